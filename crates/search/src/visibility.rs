//! The catalog's visibility rule (see agora_catalog::viewer) inside the index, so that hits,
//! totals, facet counts and suggestions only ever include what the caller may see.
//!
//! The rule's inputs are folded into one FAST number per document when it is indexed (its
//! "audience key"), and every search reads those numbers and drops what the caller may not
//! see. That replaces a filter query (published OR public OR internal OR own
//! department, AND NOT removed) that had to be built, and its posting lists unioned and
//! intersected with the text query, on every request: over most of the index that union cost more
//! than the rest of an empty-query search. Searches read the keys once per searcher generation
//! and audience, into a bitset of what that audience may see (see `segment_data::VisibleDocs`),
//! which suggestions share.

/// Whose search this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    /// Admins and maintenance: everything, removed repositories included.
    Everything,
    /// Everyone else: published, public or internal, or of their own department.
    Member { department_id: Option<u64> },
}

/// The audience key of a project every member may see.
const EVERY_MEMBER: u64 = 0;
/// An unpublished private project without a department: only admins see it.
const ADMINS_ONLY: u64 = u64::MAX - 1;
/// Gone from its forge: only admins (and maintenance) see it.
pub(crate) const REMOVED: u64 = u64::MAX;

/// The inputs of the visibility rule for one project.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VisibilityInputs<'a> {
    pub visibility: &'a str,
    pub published: bool,
    pub department_id: Option<u64>,
    pub removed: bool,
}

/// Folds the rule's inputs into the key stored in the `audience` field: `EVERY_MEMBER` when the
/// project is published, public or internal; else its department's id (members of that
/// department see it); else `ADMINS_ONLY`. Removed projects are `REMOVED` whatever else holds.
pub(crate) fn audience_key(inputs: VisibilityInputs<'_>) -> u64 {
    if inputs.removed {
        return REMOVED;
    }
    if inputs.published || matches!(inputs.visibility, "public" | "internal") {
        return EVERY_MEMBER;
    }
    match inputs.department_id {
        // Ids are positive; the two reserved keys are far beyond any real department.
        Some(id) if id != EVERY_MEMBER && id < ADMINS_ONLY => id,
        _ => ADMINS_ONLY,
    }
}

impl Audience {
    /// Whether a document with this audience key is visible to this caller.
    pub(crate) fn admits(self, key: u64) -> bool {
        match self {
            Audience::Everything => true,
            Audience::Member { department_id } => {
                key == EVERY_MEMBER || department_id.is_some_and(|d| d != EVERY_MEMBER && d == key)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(visibility: &str, published: bool, department_id: Option<u64>, removed: bool) -> u64 {
        audience_key(VisibilityInputs {
            visibility,
            published,
            department_id,
            removed,
        })
    }

    #[test]
    fn audience_keys_follow_the_visibility_rule() {
        let finance = Audience::Member {
            department_id: Some(2),
        };
        let legal = Audience::Member {
            department_id: Some(3),
        };
        let nobody = Audience::Member {
            department_id: None,
        };
        for everyone in [
            key("public", false, Some(2), false),
            key("internal", false, None, false),
            key("private", true, Some(2), false),
        ] {
            assert!(finance.admits(everyone) && legal.admits(everyone) && nobody.admits(everyone));
        }
        let finance_private = key("private", false, Some(2), false);
        assert!(finance.admits(finance_private));
        assert!(!legal.admits(finance_private));
        assert!(!nobody.admits(finance_private));
        assert!(Audience::Everything.admits(finance_private));

        let orphan_private = key("private", false, None, false);
        assert!(!finance.admits(orphan_private) && !nobody.admits(orphan_private));
        assert!(Audience::Everything.admits(orphan_private));

        let removed = key("public", true, Some(2), true);
        assert!(!finance.admits(removed) && !nobody.admits(removed));
        assert!(Audience::Everything.admits(removed));
    }

    #[test]
    fn department_zero_is_no_department() {
        let zero = Audience::Member {
            department_id: Some(0),
        };
        assert!(!zero.admits(key("private", false, None, false)));
        assert!(!zero.admits(key("private", false, Some(0), false)));
    }
}
