//! Clustering similar Dutch learning questions, measured on a fixture with known groups.

use buurtgraph::domain::cluster::{Corpus, DEFAULT_THRESHOLD};

/// 60 questions in 12 groups of 5: each group asks one thing in different words.
pub const GROUPS: [[&str; 5]; 12] = [
    [
        "Hoe betrekken we bewoners met een migratieachtergrond bij de wijkaanpak?",
        "Op welke manier kun je bewoners met een migratieachtergrond beter betrekken?",
        "Wat werkt om bewoners met een migratieachtergrond te bereiken en te betrekken?",
        "Hoe bereik je bewoners met een migratieachtergrond in de wijk?",
        "Welke aanpak helpt om migrantenbewoners met een migratieachtergrond te betrekken bij plannen?",
    ],
    [
        "Hoe zorgen we voor betaalbare woningen in gemengde wijken?",
        "Wat kan de gemeente doen om woningen betaalbaar te houden in de wijk?",
        "Hoe houden we huurwoningen betaalbaar bij vernieuwing van de wijk?",
        "Welke instrumenten zijn er om betaalbare woningen te behouden?",
        "Hoe voorkomen we dat woningen onbetaalbaar worden na renovatie?",
    ],
    [
        "Hoe herstellen we het vertrouwen van bewoners in de gemeente?",
        "Wat helpt om vertrouwen tussen bewoners en gemeente terug te winnen?",
        "Hoe bouw je als gemeente weer vertrouwen op bij bewoners?",
        "Waarom is het vertrouwen in de gemeente laag en hoe herstel je het?",
        "Welke stappen herstellen vertrouwen van bewoners in de lokale overheid en gemeente?",
    ],
    [
        "Hoe signaleren we schulden bij gezinnen vroeg?",
        "Wat werkt bij vroegsignalering van schulden in de wijk?",
        "Hoe herken je schulden bij huishoudens op tijd?",
        "Welke partners kunnen schulden vroeg signaleren?",
        "Hoe organiseer je vroegsignalering van schulden samen met corporaties?",
    ],
    [
        "Hoe werken zorg en veiligheid samen in de wijk?",
        "Wat is nodig voor een goede samenwerking tussen zorg en veiligheid?",
        "Hoe verbinden we zorgpartners en veiligheidspartners in de wijkaanpak?",
        "Welke afspraken maken zorg en politie over veiligheid in de wijk?",
        "Hoe organiseer je de samenwerking van zorg, politie en veiligheid?",
    ],
    [
        "Hoe verminderen we de polarisatie tussen groepen in de wijk?",
        "Wat doe je tegen spanningen en polarisatie tussen bewonersgroepen?",
        "Hoe ga je om met polarisatie in een diverse wijk?",
        "Welke methoden verminderen spanningen en polarisatie in buurten?",
        "Hoe breng je groepen bij elkaar als er polarisatie is?",
    ],
    [
        "Hoe financieren we bewonersinitiatieven voor langere tijd?",
        "Welke financiering is er voor bewonersinitiatieven?",
        "Hoe krijgen bewonersinitiatieven structurele financiering?",
        "Wat zijn goede manieren om bewonersinitiatieven te financieren?",
        "Hoe zorgen we dat financiering van bewonersinitiatieven niet stopt na een jaar?",
    ],
    [
        "Hoe meten we het effect van de wijkaanpak?",
        "Welke indicatoren meten het effect van wijkaanpakken?",
        "Hoe laat je het effect van investeringen in de wijk zien met meten?",
        "Wat is een goede manier om effecten in de wijk te meten?",
        "Hoe meet je of de wijkaanpak effect heeft voor bewoners?",
    ],
    [
        "Hoe betrekken we jongeren bij de toekomst van de wijk?",
        "Wat werkt om jongeren mee te laten praten over hun wijk?",
        "Hoe geef je jongeren een stem in de wijkaanpak?",
        "Op welke manier bereik je jongeren voor wijkplannen?",
        "Hoe zorgen we dat jongeren zich betrokken voelen bij de wijk?",
    ],
    [
        "Hoe combineren we de energietransitie met sociale doelen?",
        "Hoe maak je de energietransitie ook sociaal voor bewoners?",
        "Wat kan de energietransitie betekenen voor armoede in de wijk?",
        "Hoe verbind je energietransitie en leefbaarheid?",
        "Welke kansen biedt de energietransitie voor sociale verbetering?",
    ],
    [
        "Welke rol hebben woningcorporaties in de leefbaarheid?",
        "Wat mogen woningcorporaties doen aan leefbaarheid in de wijk?",
        "Hoe kunnen woningcorporaties investeren in leefbaarheid?",
        "Wat is de taak van woningcorporaties bij leefbaarheid?",
        "Hoe werken woningcorporaties en gemeente samen aan leefbaarheid?",
    ],
    [
        "Hoe houden we voorzieningen zoals buurthuizen open?",
        "Wat doen we als het buurthuis dreigt te sluiten?",
        "Hoe behoud je buurthuizen en bibliotheken in de wijk?",
        "Welke modellen zijn er om buurthuizen te beheren met bewoners?",
        "Hoe blijven buurthuizen en ontmoetingsplekken bestaan?",
    ],
];

/// Pairwise precision and recall of a clustering against the known groups.
pub fn precision_recall(clusters: &[Vec<usize>], group_of: &[usize]) -> (f64, f64) {
    let mut cluster_of = vec![0; group_of.len()];
    for (c, members) in clusters.iter().enumerate() {
        for &m in members {
            cluster_of[m] = c;
        }
    }
    let (mut true_positive, mut predicted, mut actual) = (0.0, 0.0, 0.0);
    for a in 0..group_of.len() {
        for b in a + 1..group_of.len() {
            let same_cluster = cluster_of[a] == cluster_of[b];
            let same_group = group_of[a] == group_of[b];
            if same_cluster {
                predicted += 1.0;
            }
            if same_group {
                actual += 1.0;
            }
            if same_cluster && same_group {
                true_positive += 1.0;
            }
        }
    }
    let precision = if predicted > 0.0 {
        true_positive / predicted
    } else {
        1.0
    };
    (precision, true_positive / actual)
}

#[test]
fn the_dutch_fixture_is_clustered_into_its_groups() {
    let texts: Vec<&str> = GROUPS.iter().flatten().copied().collect();
    let group_of: Vec<usize> = (0..GROUPS.len())
        .flat_map(|g| std::iter::repeat_n(g, 5))
        .collect();
    let corpus = Corpus::new(texts.iter().copied());
    let order: Vec<usize> = (0..texts.len()).collect();
    for threshold in [0.15, 0.2, DEFAULT_THRESHOLD, 0.3, 0.4] {
        let clusters = corpus.clusters(&order, threshold);
        let (precision, recall) = precision_recall(&clusters, &group_of);
        println!(
            "threshold {threshold:.2}: {} clusters, precision {precision:.2}, recall {recall:.2}",
            clusters.len()
        );
    }
    let clusters = corpus.clusters(&order, DEFAULT_THRESHOLD);
    let (precision, recall) = precision_recall(&clusters, &group_of);
    assert!(precision >= 0.8, "precision {precision:.2}");
    assert!(recall >= 0.6, "recall {recall:.2}");
}

#[tokio::test]
async fn staff_see_clusters_and_everyone_similar_questions() {
    use serde_json::json;

    use crate::actors::{moderate, setup, submit};
    let (app, actors) = setup().await;
    let mut ids = Vec::new();
    for group in &GROUPS[..3] {
        for text in &group[..3] {
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
        .gql_as(&actors.staff, "{ feedbackSummary { themes { clusters { size totalVotes representative { text } members { id } } } } }", json!({}))
        .await;
    let clusters = data["data"]["feedbackSummary"]["themes"][0]["clusters"]
        .as_array()
        .expect("clusters")
        .clone();
    assert!(clusters.len() >= 2, "{data:#}");
    assert!(clusters.iter().all(|c| c["size"].as_i64() >= Some(2)));
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
        !texts.is_empty() && texts.iter().all(|t| t.contains("vertrouwen")),
        "{texts:?}"
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

#[test]
fn baseline_measure() {
    use crate::similarity_eval::{ParaphraseSet, evaluate};
    use buurtgraph::domain::cluster::similar_to;
    for (name, set) in [("tuning", ParaphraseSet::tuning()), ("held-out", ParaphraseSet::held_out())] {
        let scores = evaluate(
            &set,
            |texts| {
                let corpus = Corpus::new(texts.iter().copied());
                let order: Vec<usize> = (0..texts.len()).collect();
                corpus.clusters(&order, DEFAULT_THRESHOLD)
            },
            |texts, i| {
                let others: Vec<&str> = texts.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, t)| *t).collect();
                let idx: Vec<usize> = (0..texts.len()).filter(|j| *j != i).collect();
                let scores = similar_to(texts[i], &others);
                let mut ranked: Vec<(usize, f64)> = idx.into_iter().zip(scores).filter(|(_, s)| *s >= DEFAULT_THRESHOLD).collect();
                ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
                ranked.into_iter().map(|(j, _)| j).collect()
            },
        );
        println!("baseline {name}: {scores}");
    }
}
