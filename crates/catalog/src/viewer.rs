//! Who is looking, and the one rule that decides what they may see.
//!
//! A repository is visible when it is published to the catalog, or public/internal on its forge,
//! or the viewer belongs to its department, or the viewer is an admin. A repository the catalog
//! marked as removed from its forge is visible to nobody but admins. Everything that lists
//! repositories (search, pages, star lists, exports) goes through this rule, in SQL
//! (`visible_filter`), in Rust (`Viewer::can_see`) or in the search index's filter (search crate),
//! and the three are tested against each other.

use crate::model::{Repository, Role, Visibility};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: Option<i64>,
    pub department_id: Option<i64>,
    pub role: Role,
}

impl Viewer {
    /// Someone not logged in: sees what is published, public or internal.
    pub fn anonymous() -> Self {
        Self {
            user_id: None,
            department_id: None,
            role: Role::Employee,
        }
    }

    /// Maintenance jobs (reindex, export by an operator): see everything.
    pub fn system() -> Self {
        Self {
            user_id: None,
            department_id: None,
            role: Role::Admin,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn can_see(&self, repository: &Repository, published: bool) -> bool {
        if self.is_admin() {
            return true;
        }
        if repository.removed_at.is_some() {
            return false;
        }
        published
            || repository.visibility() != Visibility::Private
            || (self.department_id.is_some() && repository.department_id == self.department_id)
    }
}
