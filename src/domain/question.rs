//! Validating what a participant submits: limits in characters after trimming.

use crate::error::AppError;

pub const TEXT_MIN: usize = 10;
pub const TEXT_MAX: usize = 1000;
pub const CONTEXT_MAX: usize = 2000;
pub const REGION_MAX: usize = 100;
pub const IDEMPOTENCY_KEY_MAX: usize = 100;

/// Trims `value` and checks its length; `field` names it in the error.
pub fn text(field: &str, value: &str, min: usize, max: usize) -> Result<String, AppError> {
    let trimmed = value.trim();
    let length = trimmed.chars().count();
    if length < min {
        return Err(AppError::bad_input(
            field,
            format!("use at least {min} characters"),
        ));
    }
    if length > max {
        return Err(AppError::bad_input(
            field,
            format!("use at most {max} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// An optional text: empty after trimming means absent.
pub fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, AppError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => text(field, v, 1, max).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_count_characters_after_trimming() {
        assert!(text("text", "   kort    ", TEXT_MIN, TEXT_MAX).is_err());
        assert_eq!(
            text("text", "  Hoe meng je wijken?  ", TEXT_MIN, TEXT_MAX).expect("ok"),
            "Hoe meng je wijken?"
        );
        assert!(text("text", &"é".repeat(1001), TEXT_MIN, TEXT_MAX).is_err());
        assert!(text("text", &"é".repeat(1000), TEXT_MIN, TEXT_MAX).is_ok());
        assert_eq!(
            optional_text("region", Some("   "), REGION_MAX).expect("ok"),
            None
        );
    }
}
