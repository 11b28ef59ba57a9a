//! The answer cache: repeated requests are answered from memory, but never with anything a fresh
//! search would not give — a commit makes every earlier answer unreachable, and the audience is
//! part of the key, so one caller's answer never reaches another.

use super::fixture::{index, project, search_as};
use crate::{Audience, ProjectDocument};

fn hidden_from_legal() -> ProjectDocument {
    ProjectDocument {
        visibility: "private".to_owned(),
        published: false,
        department_id: Some(2),
        ..project(2, "payroll-engine")
    }
}

#[test]
fn a_change_is_searchable_through_the_cache_after_the_commit() {
    let index = index(vec![project(1, "ledger")]);
    let member = Audience::Member {
        department_id: Some(1),
    };
    assert_eq!(search_as(&index, "ledger", member).total, 1);
    assert_eq!(search_as(&index, "ledger", member).total, 1);
    assert_eq!(search_as(&index, "invoices", member).total, 0);

    let renamed = ProjectDocument {
        description: Some("Invoices for every department".to_owned()),
        ..project(1, "ledger")
    };
    index.upsert(vec![renamed]).unwrap();
    index.flush_blocking().unwrap();
    assert_eq!(search_as(&index, "invoices", member).total, 1);
    assert_eq!(
        search_as(&index, "ledger", member).hits[0]
            .description
            .as_deref(),
        Some("Invoices for every department")
    );
    assert_eq!(index.suggest("ledg", member).unwrap().len(), 1);
    index.delete(1).unwrap();
    index.flush_blocking().unwrap();
    assert_eq!(search_as(&index, "ledger", member).total, 0);
    assert!(index.suggest("ledg", member).unwrap().is_empty());
}

#[test]
fn a_cached_answer_never_reaches_another_audience() {
    let index = index(vec![project(1, "payroll-api"), hidden_from_legal()]);
    let payroll = Audience::Member {
        department_id: Some(2),
    };
    let legal = Audience::Member {
        department_id: Some(3),
    };
    // The department that may see it asks first and fills the cache.
    assert_eq!(search_as(&index, "payroll", payroll).total, 2);
    assert_eq!(index.suggest("payroll", payroll).unwrap().len(), 2);
    assert_eq!(search_as(&index, "payroll", legal).total, 1);
    assert_eq!(index.suggest("payroll", legal).unwrap().len(), 1);
    assert_eq!(search_as(&index, "payroll", Audience::Everything).total, 2);
}

#[test]
fn cached_and_uncached_answers_agree() {
    let index = index(vec![
        project(1, "ledger"),
        project(2, "ledger-ui"),
        hidden_from_legal(),
    ]);
    let uncached = index.uncached();
    let off = index.clone().with_answer_cache(0);
    for text in ["ledger", "ledg", "payroll engine", ""] {
        for audience in [
            Audience::Everything,
            Audience::Member {
                department_id: Some(3),
            },
        ] {
            let mut first = search_as(&index, text, audience);
            let mut again = search_as(&index, text, audience);
            let mut fresh = search_as(&uncached, text, audience);
            let mut disabled = search_as(&off, text, audience);
            for r in [&mut first, &mut again, &mut fresh, &mut disabled] {
                r.took_ms = 0;
            }
            assert_eq!(first, again, "{text:?}");
            assert_eq!(first, fresh, "{text:?}");
            assert_eq!(first, disabled, "{text:?}");
        }
    }
}
