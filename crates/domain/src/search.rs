//! `POST /.search` at the root (RFC 7644 §3.4.3): Users, then Groups, as one list.

use lanyard_scim::ScimError;
use lanyard_scim::list::{ListParams, list_response};
use lanyard_scim::schema::{GROUP_TYPE, USER_TYPE};
use serde_json::Value;

use crate::{Caller, Lanyard, scim_error};

impl Lanyard {
    pub async fn search_all(&self, caller: &Caller, params: &ListParams) -> Result<Value, ScimError> {
        // A filter may name attributes only one type has: that type then
        // contributes nothing; a filter neither type understands is an error.
        let users = self.list_query(params, &USER_TYPE);
        let groups = self.list_query(params, &GROUP_TYPE);
        let (users, groups) = match (users, groups) {
            (Err(e), Err(_)) => return Err(e),
            (u, g) => (u.ok(), g.ok()),
        };
        let mut resources = Vec::new();
        let mut total = 0;
        let (mut offset, mut limit) = match (&users, &groups) {
            (Some((q, _)), _) | (None, Some((q, _))) => (q.offset, q.limit),
            (None, None) => (0, 0),
        };
        if let Some((mut query, projection)) = users {
            query.offset = offset;
            query.limit = limit;
            let page = self.store.list_users(caller.scope, &query).await.map_err(scim_error)?;
            total += page.total;
            limit -= page.items.len() as i64;
            offset = (offset - page.total).max(0);
            resources.extend(crate::users::render_users(caller, page.items, &page.user_groups, &projection));
        }
        if let Some((mut query, projection)) = groups {
            query.offset = offset;
            query.limit = limit.max(0);
            let page = self.store.list_groups(caller.scope, &query).await.map_err(scim_error)?;
            total += page.total;
            resources.extend(self.render_groups(caller, &page.items, &projection).await?);
        }
        Ok(list_response(total, params.start_index, resources))
    }
}
