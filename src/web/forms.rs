//! Forms to service inputs, and service errors back to messages next to their fields.
//! Fields carry the API's input names (`text`, `submitterRole`, `preferredFormats`, …), so
//! a page, a test and the API speak the same words; the checks are the service's own.

use async_graphql::ID;
use entity::enums::{LearningFormat, SubmitterRole};
use serde::Serialize;

use super::csrf::CheckedForm;
use super::i18n::{self, Args, Lang};
use crate::domain::question::{CONTEXT_MAX, REGION_MAX, TEXT_MAX, TEXT_MIN};
use crate::error::AppError;
use crate::graphql::ids::{self, NodeType};
use crate::service::feedback::Submission;

/// A message for one field, in the visitor's language.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldError {
    /// The API's name of the field (`text`, `accessCode`, …).
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(lang: Lang, field: &str, key: &str, args: &Args) -> Self {
        Self {
            field: field.to_owned(),
            message: i18n::text_with(lang, key, args),
        }
    }
}

fn arg(name: &'static str, value: i64) -> Args {
    let mut args = Args::new();
    args.insert(name.into(), value.into());
    args
}

/// What the participant typed, to show the form again as it was.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SubmissionValues {
    pub text: String,
    pub context: String,
    pub submitter_role: String,
    pub preferred_formats: Vec<String>,
    pub region: String,
    pub session_id: String,
    pub idempotency_key: String,
}

/// A submission form, read: the theme it is for, the values as typed, and the service's
/// input when every field could be read.
pub struct SubmissionForm {
    pub theme_id: Option<i32>,
    pub values: SubmissionValues,
    pub input: Result<Submission, Vec<FieldError>>,
}

pub fn read_submission(lang: Lang, form: &CheckedForm) -> SubmissionForm {
    let values = SubmissionValues {
        text: form.raw("text"),
        context: form.raw("context"),
        submitter_role: form.raw("submitterRole"),
        preferred_formats: form.all("preferredFormats"),
        region: form.raw("region"),
        session_id: form.raw("sessionId"),
        idempotency_key: form.raw("idempotencyKey"),
    };
    let theme_id = form
        .get("themeId")
        .and_then(|id| ids::decode(&ID::from(id), NodeType::Theme, "themeId").ok());
    let mut errors = Vec::new();
    let session_id = match form.get("sessionId") {
        None => None,
        Some(id) => match ids::decode(&ID::from(id), NodeType::Session, "sessionId") {
            Ok(id) => Some(id),
            Err(_) => {
                errors.push(FieldError::new(
                    lang,
                    "sessionId",
                    "error-session-unknown",
                    &Args::new(),
                ));
                None
            }
        },
    };
    let submitter_role = match form.get("submitterRole") {
        None => None,
        Some(name) => match serde_json::from_value::<SubmitterRole>(name.into()) {
            Ok(role) => Some(role),
            Err(_) => {
                errors.push(FieldError::new(
                    lang,
                    "submitterRole",
                    "error-choose-from-list",
                    &Args::new(),
                ));
                None
            }
        },
    };
    if values
        .preferred_formats
        .iter()
        .any(|f| LearningFormat::from_api_name(f).is_none())
    {
        errors.push(FieldError::new(
            lang,
            "preferredFormats",
            "error-choose-from-list",
            &Args::new(),
        ));
    }
    let input = match theme_id {
        Some(theme_id) if errors.is_empty() => Ok(Submission {
            theme_id,
            session_id,
            text: values.text.clone(),
            context: form.get("context").map(str::to_owned),
            submitter_role,
            preferred_formats: values.preferred_formats.clone(),
            region: form.get("region").map(str::to_owned),
            idempotency_key: form.get("idempotencyKey").map(str::to_owned),
        }),
        None => {
            errors.push(FieldError::new(
                lang,
                "text",
                "error-theme-unknown",
                &Args::new(),
            ));
            Err(errors)
        }
        Some(_) => Err(errors),
    };
    SubmissionForm {
        theme_id,
        values,
        input,
    }
}

/// The service's refusal of a submission, as a message next to the field it concerns.
/// `None`: not about the input (the page handles it: sign in again, or an error page).
pub fn submission_error(
    lang: Lang,
    values: &SubmissionValues,
    error: &AppError,
) -> Option<FieldError> {
    let none = Args::new();
    let length = |value: &str| i64::try_from(value.trim().chars().count()).unwrap_or(i64::MAX);
    let as_i64 = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let error = match error {
        AppError::BadUserInput { field, message } => match field.as_str() {
            "text" if length(&values.text) < as_i64(TEXT_MIN) => FieldError::new(
                lang,
                "text",
                "error-text-too-short",
                &arg("min", as_i64(TEXT_MIN)),
            ),
            "text" if length(&values.text) > as_i64(TEXT_MAX) => FieldError::new(
                lang,
                "text",
                "error-text-too-long",
                &arg("max", as_i64(TEXT_MAX)),
            ),
            "context" if length(&values.context) > as_i64(CONTEXT_MAX) => FieldError::new(
                lang,
                "context",
                "error-too-long",
                &arg("max", as_i64(CONTEXT_MAX)),
            ),
            "region" if length(&values.region) > as_i64(REGION_MAX) => FieldError::new(
                lang,
                "region",
                "error-too-long",
                &arg("max", as_i64(REGION_MAX)),
            ),
            "text" | "context" | "region" => {
                FieldError::new(lang, field, "error-invalid-characters", &none)
            }
            // The service's messages are for developers; the closed case is the one a
            // participant meets, so it gets its own words.
            "sessionId" if message.contains("closed") => {
                FieldError::new(lang, "sessionId", "error-feedback-closed", &none)
            }
            "sessionId" if message.contains("serve") => {
                FieldError::new(lang, "sessionId", "error-session-not-of-theme", &none)
            }
            "sessionId" => FieldError::new(lang, "sessionId", "error-session-unknown", &none),
            "themeId" if message.contains("closed") => {
                FieldError::new(lang, "text", "error-feedback-closed", &none)
            }
            _ => FieldError::new(lang, "text", "error-theme-unknown", &none),
        },
        AppError::RateLimited { retry_after_secs } => FieldError::new(
            lang,
            "text",
            "error-rate-limited",
            &arg("seconds", i64::try_from(*retry_after_secs).unwrap_or(60)),
        ),
        AppError::Conflict(_) => FieldError::new(lang, "text", "error-try-again", &none),
        AppError::Unavailable(_) => FieldError::new(lang, "text", "error-unavailable", &none),
        AppError::Unauthenticated
        | AppError::Forbidden(_)
        | AppError::NotFound(_)
        | AppError::Internal(_) => return None,
    };
    Some(error)
}

/// The refusal of a join, next to the access code.
pub fn join_error(lang: Lang, error: &AppError) -> Option<FieldError> {
    match error {
        AppError::BadUserInput { .. } => Some(FieldError::new(
            lang,
            "accessCode",
            "error-access-code-wrong",
            &Args::new(),
        )),
        AppError::RateLimited { retry_after_secs } => Some(FieldError::new(
            lang,
            "accessCode",
            "error-rate-limited",
            &arg("seconds", i64::try_from(*retry_after_secs).unwrap_or(60)),
        )),
        AppError::Unavailable(_) => Some(FieldError::new(
            lang,
            "accessCode",
            "error-unavailable",
            &Args::new(),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> CheckedForm {
        CheckedForm::from_pairs(pairs)
    }

    #[test]
    fn a_form_reads_into_the_services_input() {
        let theme = ids::encode(NodeType::Theme, 7);
        let read = read_submission(
            Lang::Nl,
            &form(&[
                ("themeId", theme.as_str()),
                ("text", "Hoe betrekken we bewoners?"),
                ("submitterRole", "HOUSING_CORPORATION"),
                ("preferredFormats", "WORKSHOP"),
                ("preferredFormats", "PEER_LEARNING"),
                ("sessionId", ""),
            ]),
        );
        let Ok(input) = read.input else {
            panic!("the form is readable");
        };
        assert_eq!(input.theme_id, 7);
        assert_eq!(input.session_id, None);
        assert_eq!(
            input.submitter_role,
            Some(SubmitterRole::HousingCorporation)
        );
        assert_eq!(input.preferred_formats, ["WORKSHOP", "PEER_LEARNING"]);
    }

    #[test]
    fn unknown_choices_are_named_in_dutch() {
        let theme = ids::encode(NodeType::Theme, 7);
        let read = read_submission(
            Lang::Nl,
            &form(&[("themeId", theme.as_str()), ("submitterRole", "KING")]),
        );
        let errors = read.input.err().unwrap_or_default();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "submitterRole");
        assert!(
            !errors[0].message.contains("error-"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn a_short_text_is_told_its_minimum() {
        let values = SubmissionValues {
            text: "kort".into(),
            ..SubmissionValues::default()
        };
        let error = submission_error(
            Lang::Nl,
            &values,
            &AppError::bad_input("text", "must be at least 10 characters"),
        );
        let error = error.unwrap_or_else(|| panic!("a field error"));
        assert_eq!(error.field, "text");
        assert!(error.message.contains("10"), "{}", error.message);
    }
}
