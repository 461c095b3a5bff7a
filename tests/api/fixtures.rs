//! Programme files for tests: the bundled one, small edits of it, and generated larger ones.

use buurtgraph::programme_file::ProgrammeFile;

/// The bundled Dag van de Buurt programme.
pub fn bundled() -> ProgrammeFile {
    buurtgraph::programme_bundle::bundled().expect("the bundled programme is valid")
}

/// A copy of the bundled programme as another event, with every session, person and
/// organisation repeated `factor` times (keys suffixed), so it is `factor` times larger.
pub fn scaled(factor: usize, slug: &str) -> ProgrammeFile {
    let source = bundled();
    let mut file = source.clone();
    file.event.slug = slug.to_owned();
    file.event.title = format!("{} ×{factor}", source.event.title);
    let suffix = |key: &str, copy: usize| format!("{key}-x{copy}");
    file.organisations = (0..factor)
        .flat_map(|copy| {
            source.organisations.iter().map(move |o| {
                let mut o = o.clone();
                o.key = suffix(&o.key, copy);
                o
            })
        })
        .collect();
    file.people = (0..factor)
        .flat_map(|copy| {
            source.people.iter().map(move |p| {
                let mut p = p.clone();
                p.key = suffix(&p.key, copy);
                for a in &mut p.affiliations {
                    a.organisation = suffix(&a.organisation, copy);
                }
                p
            })
        })
        .collect();
    file.event.hosts = source.event.hosts.iter().map(|h| suffix(h, 0)).collect();
    for (block, source_block) in file.blocks.iter_mut().zip(&source.blocks) {
        block.sessions = (0..factor)
            .flat_map(|copy| {
                source_block.sessions.iter().map(move |s| {
                    let mut s = s.clone();
                    s.key = suffix(&s.key, copy);
                    s.workshop = s.workshop.map(|w| suffix(&w, copy));
                    for p in &mut s.people {
                        p.person = suffix(&p.person, copy);
                    }
                    for o in &mut s.organisations {
                        *o = suffix(o, copy);
                    }
                    s
                })
            })
            .collect();
    }
    assert!(
        file.problems().is_empty(),
        "generated file is valid: {:?}",
        file.problems()
    );
    file
}

/// The whole programme in one query: event → blocks → sessions → speakers → people →
/// organisations, themes, occurrences.
pub const WHOLE_PROGRAMME: &str = r#"
query WholeProgramme($slug: String) {
  event(slug: $slug) {
    id slug title description startsAt endsAt timezone location
    hosts { id name }
    themes { id slug title kind guidingQuestions }
    blocks {
      id kind title startsAt endsAt position
      sessions {
        id key title description kind startsAt endsAt feedbackOpen
        speakers { role person { id name bio organisations { id name url } } }
        themes { id slug title }
        organisations { id name }
        otherOccurrences { id key block { title } }
      }
    }
  }
}"#;
