//! What the back office tells about a user and changes on one: `my_assets`
//! (what the user owns), `search_users` by e-mail address, `update_email`.

use super::assets::Assets;
use super::http::{Answer, Rejection, ok, success};
use crate::funnelfox::types;
use serde_json::{Value, json};

impl Assets {
    pub(super) fn my_assets(&mut self, r: types::UserInfoIn) -> Answer {
        let user = r.external_id.as_str();
        let subscriptions: Vec<Value> = self
            .subscriptions
            .values()
            .filter(|sub| sub.external_id == user)
            .map(|sub| self.subscription_json(sub))
            .collect();
        let oneoffs: Vec<Value> = self
            .oneoffs
            .values()
            .filter(|o| o.external_id == user)
            .map(|o| self.oneoff_json(o))
            .collect();
        Ok(success(
            json!({"subscriptions": subscriptions, "oneoffs": oneoffs, "consumables": []}),
        ))
    }

    pub(super) fn search_users(&mut self, r: types::SearchUserIn) -> Answer {
        // Required, but nullable: null finds no one (every address kept is one).
        let email = r.email.as_deref().map_or("", String::as_str);
        let users: Vec<Value> = self
            .emails
            .iter()
            .filter(|(_, e)| e.eq_ignore_ascii_case(email))
            .map(|(u, _)| json!({"external_id": u}))
            .collect();
        Ok(success(json!({"users": users})))
    }

    pub(super) fn update_email(&mut self, r: types::UpdateEmailIn, known: bool) -> Answer {
        let (user, email) = (r.external_id.as_str(), r.email_address.as_str());
        if !known {
            return Err(Rejection::rule(format!("unknown user {user:?}")));
        }
        // FunnelFox's documented rules for e-mail updates.
        if email.ends_with("example@example.com") || email.starts_with("FIXME@") {
            return Err(Rejection::rule("this e-mail address is not accepted"));
        }
        self.emails.insert(user.to_string(), email.to_string());
        ok()
    }
}
