//! Similar questions and clusters, measured on the Dutch paraphrase sets of
//! `tests/fixtures/similarity/` (see `similarity_eval`), and wired through GraphQL.

use buurtgraph::domain::cluster::{Corpus, DEFAULT_THRESHOLD, Evidence, Texts, clusters};
use buurtgraph::domain::paraphrases::{ParaphraseSet, Scores};
use buurtgraph::domain::similarity::{StopWords, Thesaurus};

use crate::similarity_eval::{fifth_blind, fourth_blind, second, third_blind, tuning};

/// The service's method with the thesaurus it ships with.
fn measure(set: &ParaphraseSet) -> Scores {
    buurtgraph::domain::paraphrases::measure(set, StopWords::builtin(), Thesaurus::in_use())
}

/// Targets of issue 14 (clusters F1 ≥ 0.6 with precision ≥ 0.7, P@3 ≥ 0.6). Before any
/// similarity by meaning (shared stemmed words, leader clustering): tuning set clusters
/// P 0.46 R 0.04 F1 0.07, P@3 0.05. Session 5 (forms-matched and weighted thesaurus,
/// compound parts): tuning P 0.76 R 0.51 F1 0.61, P@3 0.70. Session 6 (a thesaurus for the
/// whole field; long words matched by stem; more contentless verbs): tuning P 0.79 R 0.54
/// F1 0.64, P@3 0.74; second set (then held out) P 0.49 R 0.18 F1 0.27, P@3 0.41. Session 7
/// (more of the field's vocabulary, lone questions attached to their closest group): tuning
/// P 0.78 R 0.61 F1 0.68, P@3 0.74; second P 0.64 R 0.26 F1 0.38, P@3 0.50. Session 8: Open
/// Dutch WordNet not kept; the blind third set P 0.69 R 0.37 F1 0.48, P@3 0.53. Session 10:
/// a blind extension of the thesaurus: tuning 0.71 / 0.61 / 0.66, 0.74; second 0.65 / 0.38 /
/// 0.48, 0.52; third 0.70 / 0.37 / 0.48, 0.59. Session 12: the second and third sets became
/// tuning data (the thesaurus gained the field's words their paraphrases missed, and three
/// more blind extensions, minus the changes that cost precision on the three sets), and a
/// fourth set was written blind to take their place: tuning P 0.79 R 0.62 F1 0.70, P@3 0.76;
/// second 0.82 / 0.57 / 0.67, 0.68; third 0.73 / 0.45 / 0.55, 0.66; the fourth, never tuned
/// on, 0.39 / 0.24 / 0.30, 0.39 (0.42 / 0.23 / 0.30, 0.37 with the thesaurus before session
/// 12: its close needs run together). Session 13: a fifth set written blind, 0.65 / 0.28 /
/// 0.40, 0.56; words for the fourth set's misses lifted it to 0.60 / 0.36 / 0.45, 0.59 but
/// lowered the fifth (0.58 / 0.28 / 0.38, 0.55) and were not kept. Sets that reach a target
/// are held to it; the others are asserted not to fall back.
#[test]
fn the_dutch_paraphrase_sets_are_found() {
    let tuning = measure(&tuning());
    let second = measure(&second());
    let third = measure(&third_blind());
    let fourth = measure(&fourth_blind());
    let fifth = measure(&fifth_blind());
    println!("tuning set:         {tuning}");
    println!("second set:         {second}");
    println!("third set (blind):  {third}");
    println!("fourth set (blind): {fourth}");
    println!("fifth set (blind):  {fifth}");
    for (name, scores) in [("tuning", tuning), ("second", second)] {
        assert!(
            scores.f1 >= 0.6 && scores.precision >= 0.7,
            "{name} set: clusters under target: {scores}"
        );
        assert!(
            scores.precision_at_3 >= 0.6,
            "{name} set: P@3 under target: {scores}"
        );
    }
    assert!(
        third.f1 >= 0.54 && third.precision_at_3 >= 0.6,
        "third set fell back: {third}"
    );
    assert!(
        fourth.f1 >= 0.29 && fourth.precision_at_3 >= 0.38,
        "fourth set fell back: {fourth}"
    );
    assert!(
        fifth.f1 >= 0.39 && fifth.precision >= 0.6 && fifth.precision_at_3 >= 0.55,
        "fifth set fell back: {fifth}"
    );
}

#[test]
fn the_fixture_has_the_issue_examples_in_their_groups() {
    let set = tuning();
    let group_of = |text: &str| {
        set.groups
            .iter()
            .position(|g| g.questions.iter().any(|q| q == text))
            .unwrap_or_else(|| panic!("{text:?} is in the fixture"))
    };
    assert_eq!(
        group_of("Hoe betrekken we jongeren bij de wijkaanpak?"),
        group_of("Wat werkt om jeugd te laten meedenken over hun wijk?")
    );
    assert_ne!(
        group_of("Hoe betrekken we jongeren bij de wijkaanpak?"),
        group_of("Welke tips zijn er om anderstalige buurtbewoners te betrekken?")
    );
    assert_ne!(
        group_of("Hoe houden we de wijkaanpak vol als de subsidie stopt?"),
        group_of("Hoe houden wijkteams het werk vol met zo'n hoge werkdruk?")
    );
    assert_ne!(
        group_of("Wat kunnen buren doen tegen vereenzaming van oudere bewoners?"),
        group_of("Wat kunnen bewoners doen tegen criminaliteit in hun straat?")
    );
    let total = set.groups.iter().map(|g| g.questions.len()).sum::<usize>() + set.singletons.len();
    assert!(total >= 150, "{total} questions");
}

#[tokio::test]
async fn staff_see_clusters_and_everyone_similar_questions() {
    use serde_json::json;

    use crate::actors::{moderate, setup, submit};
    let (app, actors) = setup().await;
    let set = tuning();
    let group = |need: &str| {
        set.groups
            .iter()
            .find(|g| g.need == need)
            .map(|g| g.questions.clone())
            .unwrap_or_default()
    };
    let trust = group("vertrouwen in de overheid herstellen");
    let mut ids = Vec::new();
    for questions in [
        trust.clone(),
        group("eenzaamheid onder ouderen"),
        group("vroegsignalering van schulden"),
    ] {
        for text in &questions[..3] {
            let token = crate::actors::join(&app, crate::actors::EVENT).await;
            ids.push(submit(&app, &token, &actors.theme, text).await);
        }
    }
    for id in &ids {
        moderate(
            &app,
            &actors.admin,
            json!({ "id": id, "action": "APPROVE" }),
        )
        .await;
    }
    let data = app
        .gql_as(&actors.staff, "{ feedbackSummary { themes { clusters { size totalVotes label representative { text } members { id } } } } }", json!({}))
        .await;
    let clusters = data["data"]["feedbackSummary"]["themes"][0]["clusters"]
        .as_array()
        .expect("clusters")
        .clone();
    assert!(clusters.len() >= 2, "{data:#}");
    assert!(clusters.iter().all(|c| c["size"].as_i64() >= Some(2)));
    assert!(
        clusters
            .iter()
            .all(|c| c["label"].as_array().is_some_and(|l| !l.is_empty())),
        "every cluster has a label: {data:#}"
    );
    let sizes: i64 = clusters
        .iter()
        .map(|c| c["size"].as_i64().unwrap_or(0))
        .sum();
    assert!(sizes >= 6, "most questions found their group: {data:#}");

    let similar = app
        .gql_as(
            &actors.participant,
            "query($t: ID!) { similarQuestions(themeId: $t, text: \"Hoe herstellen we vertrouwen in de gemeente?\") { text } }",
            json!({ "t": actors.theme }),
        )
        .await;
    let texts: Vec<&str> = similar["data"]["similarQuestions"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|q| q["text"].as_str())
        .collect();
    assert!(
        !texts.is_empty() && texts.iter().take(3).all(|t| trust.iter().any(|q| q == t)),
        "the paraphrases come first: {texts:?}"
    );
    let from_question = app
        .gql_as(
            &actors.moderator,
            "query($id: ID!) { learningQuestion(id: $id) { similarQuestions { id } } }",
            json!({ "id": ids[0] }),
        )
        .await;
    let suggested = from_question["data"]["learningQuestion"]["similarQuestions"]
        .as_array()
        .expect("list")
        .clone();
    assert!(
        suggested.contains(&json!({ "id": ids[1] }))
            || suggested.contains(&json!({ "id": ids[2] })),
        "{from_question:#}"
    );
    assert!(!suggested.contains(&json!({ "id": ids[0] })), "not itself");
    let anonymous = app
        .gql(
            "query($t: ID!) { similarQuestions(themeId: $t, text: \"x\") { id } }",
            json!({ "t": actors.theme }),
        )
        .await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
}

/// A moderator's MARK_DUPLICATE teaches the similarity: the duplicate's words lead to the
/// original, even where the original shares none of them.
#[tokio::test]
async fn a_marked_duplicate_leads_new_wordings_to_its_original() {
    use serde_json::json;

    use crate::actors::{moderate, setup, submit};
    let (app, actors) = setup().await;
    let mut ids = Vec::new();
    for text in [
        "Wat doen we aan de kaalslag in het winkelcentrum?",
        "Steeds meer panden rond de supermarkt staan leeg.",
        "Hoe herstellen we het vertrouwen van bewoners in de gemeente?",
    ] {
        let token = crate::actors::join(&app, crate::actors::EVENT).await;
        ids.push(submit(&app, &token, &actors.theme, text).await);
    }
    for id in &ids {
        moderate(
            &app,
            &actors.admin,
            json!({ "id": id, "action": "APPROVE" }),
        )
        .await;
    }
    let query = "query($t: ID!) { similarQuestions(themeId: $t, text: \"Wat doe je met leegstaande panden?\") { id } }";
    let before = app
        .gql_as(&actors.participant, query, json!({ "t": actors.theme }))
        .await;
    assert!(
        !before["data"]["similarQuestions"]
            .as_array()
            .expect("list")
            .contains(&json!({ "id": ids[0] })),
        "no shared words yet: {before:#}"
    );
    let marked = moderate(
        &app,
        &actors.admin,
        json!({ "id": ids[1], "action": "MARK_DUPLICATE", "duplicateOfId": ids[0] }),
    )
    .await;
    assert!(marked["errors"].is_null(), "{marked:#}");
    let after = app
        .gql_as(&actors.participant, query, json!({ "t": actors.theme }))
        .await;
    assert_eq!(
        after["data"]["similarQuestions"][0],
        json!({ "id": ids[0] }),
        "{after:#}"
    );
}

/// Speed on a theme of 5,000 questions, measured by hand (the suite asserts no timings), the
/// way the service runs: questions in the database, the theme's corpus built on the first
/// request and reused while its questions are unchanged:
/// `cargo test --release --locked --test api similarity_speed -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "a measurement, not a test"]
async fn similarity_speed_on_5000_questions() {
    use std::time::{Duration, Instant};

    use buurtgraph::service::clusters as service;
    use entity::enums::ModerationStatus;
    use entity::learning_question;
    use sea_orm::{ActiveValue::Set, Condition, EntityTrait};

    use crate::actors::{EVENT, join, setup, submit};
    let (app, actors) = setup().await;
    let token = join(&app, EVENT).await;
    submit(
        &app,
        &token,
        &actors.theme,
        "Hoe betrekken we jongeren bij de wijkaanpak?",
    )
    .await;
    let first = learning_question::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("the question");
    let texts = synthetic(4_999);
    for chunk in texts.chunks(500) {
        learning_question::Entity::insert_many(chunk.iter().map(|text| {
            learning_question::ActiveModel {
                event_id: Set(first.event_id),
                theme_id: Set(first.theme_id),
                participant_id: Set(first.participant_id),
                text: Set(text.clone()),
                preferred_formats: Set(serde_json::json!([])),
                status: Set(ModerationStatus::Approved),
                vote_count: Set(0),
                created_at: Set(first.created_at),
                updated_at: Set(first.updated_at),
                ..Default::default()
            }
        }))
        .exec(&app.db)
        .await
        .expect("inserted");
    }
    let timed = |started: Instant| started.elapsed();
    let started = Instant::now();
    let groups = service::clusters(&app.db, Condition::all(), first.event_id, first.theme_id, 2)
        .await
        .expect("clusters");
    let cold = timed(started);
    let started = Instant::now();
    service::clusters(&app.db, Condition::all(), first.event_id, first.theme_id, 2)
        .await
        .expect("clusters");
    println!(
        "clusters of 5,000: {cold:?} (corpus built), {:?} (corpus reused); {} groups",
        timed(started),
        groups.len()
    );
    let set = tuning();
    let (typed, _) = set.labelled();
    let mut times: Vec<Duration> = Vec::new();
    for text in typed.iter().take(101) {
        let started = Instant::now();
        service::similar(&app.db, Condition::all(), first.theme_id, text, None, 3)
            .await
            .expect("similar");
        times.push(timed(started));
    }
    times.sort();
    println!(
        "similarQuestions on 5,000 (service, database included): p50 {:?}, p90 {:?}, max {:?}",
        times[50], times[90], times[100]
    );
    let started = Instant::now();
    let questions: Vec<&str> = texts.iter().map(String::as_str).collect();
    let corpus = Corpus::new(&Texts {
        questions,
        ..Texts::default()
    });
    let built = timed(started);
    let groups = clusters(&corpus, DEFAULT_THRESHOLD, &Evidence::default());
    println!(
        "in memory: corpus {built:?}, corpus and clusters {:?}, {} groups",
        timed(started),
        groups.len()
    );
}

/// `n` questions: the opening words of a fixture question and words drawn from all of them.
fn synthetic(n: usize) -> Vec<String> {
    let set = tuning();
    let (texts, _) = set.labelled();
    let pool: Vec<&str> = texts.iter().flat_map(|t| t.split_whitespace()).collect();
    let mut seed: u64 = 42;
    let mut next = move |m: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(seed >> 33).unwrap_or(0) % m
    };
    (0..n)
        .map(|k| {
            let head: Vec<&str> = texts[k % texts.len()].split_whitespace().take(4).collect();
            let tail: Vec<&str> = (0..6).map(|_| pool[next(pool.len())]).collect();
            format!("{} {}", head.join(" "), tail.join(" "))
        })
        .collect()
}

/// The clusters of the theme as sets of question IDs.
async fn cluster_ids(app: &crate::helpers::TestApp, staff: &str) -> Vec<Vec<String>> {
    let data = app
        .gql_as(
            staff,
            "{ feedbackSummary { themes { clusters(minSize: 1) { members { id } } } } }",
            serde_json::json!({}),
        )
        .await;
    data["data"]["feedbackSummary"]["themes"][0]["clusters"]
        .as_array()
        .unwrap_or_else(|| panic!("clusters: {data:#}"))
        .iter()
        .map(|c| {
            let mut ids: Vec<String> = c["members"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|m| m["id"].as_str().map(str::to_owned))
                .collect();
            ids.sort();
            ids
        })
        .collect()
}

fn together(clusters: &[Vec<String>], a: &str, b: &str) -> bool {
    clusters
        .iter()
        .any(|c| c.iter().any(|m| m == a) && c.iter().any(|m| m == b))
}

/// Submits and approves `texts`, each by a new participant; their tokens and IDs.
async fn approved(
    app: &crate::helpers::TestApp,
    actors: &crate::actors::Actors,
    texts: &[&str],
) -> (Vec<String>, Vec<String>) {
    use crate::actors::{EVENT, join, moderate, submit};
    let (mut tokens, mut ids) = (Vec::new(), Vec::new());
    for text in texts {
        let token = join(app, EVENT).await;
        let id = submit(app, &token, &actors.theme, text).await;
        moderate(
            app,
            &actors.admin,
            serde_json::json!({ "id": id, "action": "APPROVE" }),
        )
        .await;
        tokens.push(token);
        ids.push(id);
    }
    (tokens, ids)
}

/// A moderator's MARK_DUPLICATE joins the duplicate's wording to its original, so a later
/// question worded like the duplicate clusters with the original; when the original is
/// itself merged into another, its duplicates follow it there.
#[tokio::test]
async fn merged_questions_cluster_with_their_original() {
    use serde_json::json;

    use crate::actors::{moderate, setup};
    let (app, actors) = setup().await;
    let (_, ids) = approved(
        &app,
        &actors,
        &[
            "Wat doen we aan de kaalslag in het winkelcentrum?",
            "Steeds meer panden rond de supermarkt staan leeg.",
            "Leegstaande panden bij de supermarkt: wat doe je ermee?",
            "Hoe herstellen we het vertrouwen van bewoners in de gemeente?",
        ],
    )
    .await;
    let (original, duplicate, like_duplicate, other) = (&ids[0], &ids[1], &ids[2], &ids[3]);
    let before = cluster_ids(&app, &actors.staff).await;
    assert!(!together(&before, original, like_duplicate), "{before:?}");
    let marked = moderate(
        &app,
        &actors.admin,
        json!({ "id": duplicate, "action": "MARK_DUPLICATE", "duplicateOfId": original }),
    )
    .await;
    assert!(marked["errors"].is_null(), "{marked:#}");
    let after = cluster_ids(&app, &actors.staff).await;
    assert!(together(&after, original, like_duplicate), "{after:?}");
    assert!(!together(&after, original, other), "{after:?}");

    let (_, newer) = approved(&app, &actors, &["Hoe houden we winkelstraten levendig?"]).await;
    let marked = moderate(
        &app,
        &actors.admin,
        json!({ "id": original, "action": "MARK_DUPLICATE", "duplicateOfId": newer[0] }),
    )
    .await;
    assert!(marked["errors"].is_null(), "{marked:#}");
    let chained = cluster_ids(&app, &actors.staff).await;
    assert!(together(&chained, &newer[0], like_duplicate), "{chained:?}");
}

/// "Ik herken deze vraag" on two questions is evidence that they belong together: once
/// changes little, repeated by several participants (an asker recognising another's wording
/// among them) it puts unlike wordings in one cluster and among the moderators' suggestions.
#[tokio::test]
async fn repeated_co_recognition_brings_two_questions_together() {
    use crate::actors::{EVENT, join, setup};
    let (app, actors) = setup().await;
    let (tokens, ids) = approved(
        &app,
        &actors,
        &[
            "Wat doen we aan de kaalslag in het winkelcentrum?",
            "Steeds meer panden rond de supermarkt staan leeg.",
            "Hoe herstellen we het vertrouwen van bewoners in de gemeente?",
        ],
    )
    .await;
    let suggested = || suggestions(&app, &actors.moderator, &ids[0]);
    assert!(!suggested().await.contains(&ids[1]));
    // The asker of the first recognises the second.
    vote(&app, &tokens[0], &ids[1]).await;
    let once = cluster_ids(&app, &actors.staff).await;
    assert!(!together(&once, &ids[0], &ids[1]), "once: {once:?}");
    for _ in 0..3 {
        let token = join(&app, EVENT).await;
        vote(&app, &token, &ids[0]).await;
        vote(&app, &token, &ids[1]).await;
    }
    let repeated = cluster_ids(&app, &actors.staff).await;
    assert!(together(&repeated, &ids[0], &ids[1]), "{repeated:?}");
    assert!(!together(&repeated, &ids[0], &ids[2]), "{repeated:?}");
    assert_eq!(suggested().await.first(), Some(&ids[1]));
}

async fn vote(app: &crate::helpers::TestApp, token: &str, id: &str) {
    let voted = app
        .gql_as(token, crate::actors::VOTE, serde_json::json!({ "id": id }))
        .await;
    assert!(voted["errors"].is_null(), "{voted:#}");
}

/// The moderators' suggestions for question `id`.
async fn suggestions(app: &crate::helpers::TestApp, moderator: &str, id: &str) -> Vec<String> {
    let data = app
        .gql_as(
            moderator,
            "query($id: ID!) { learningQuestion(id: $id) { similarQuestions { id } } }",
            serde_json::json!({ "id": id }),
        )
        .await;
    data["data"]["learningQuestion"]["similarQuestions"]
        .as_array()
        .unwrap_or_else(|| panic!("{data:#}"))
        .iter()
        .filter_map(|q| q["id"].as_str().map(str::to_owned))
        .collect()
}

/// `THESAURUS` names a file of one's own; a bad entry stops the start, naming file and line.
#[test]
fn a_bad_thesaurus_entry_stops_the_start_with_file_and_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("thesaurus.txt");
    std::fs::write(
        &path,
        "# own words\njongeren jeugd\n[heel licht] wijk buurt\n",
    )
    .expect("written");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_buurtgraph"))
        .arg("serve")
        .current_dir(dir.path())
        .env("THESAURUS", &path)
        .env("DATABASE_URL", "sqlite::memory:")
        .env("BIND", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("thesaurus {} line 3:", path.display())),
        "{stderr}"
    );
    assert!(stderr.contains("is not a weight"), "{stderr}");
}
