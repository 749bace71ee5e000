//! The suite file format: what a `suites/*.toml` file may say, as serde types.
//!
//! These are the *parsed* shapes. [`super::load`] turns them into checked entries and rejects
//! anything malformed with the file, entry and field named.

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;

use crate::core::dialect::Dialect;

/// The `[suite]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteHeader {
    /// A short title, e.g. "Users".
    pub title: String,
    /// Where the behaviour this suite checks is documented.
    #[serde(default)]
    pub doc: Option<String>,
}

/// One `[[entry]]`: a self-contained scenario, one trial.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Kebab-case id, unique in its file; the trial name is `<suite>::<id>`.
    pub id: String,
    /// What the entry checks, in the present tense.
    pub title: String,
    /// The Entra (or RFC) documentation this entry replays.
    #[serde(default)]
    pub doc: Option<String>,
    /// Where its requirement comes from, first the source that decides its level: the short
    /// names of `entra-protocol.md` §0 (`ED-SCIM`, `RC-LA`, `RFC7644 §3.6`, ...; see
    /// [`super::vocab::SOURCES`]).
    #[serde(default)]
    pub source: Vec<String>,
    /// Dialects this entry runs in, once each. Empty: the entry's requests do not differ by
    /// dialect and it runs once.
    #[serde(default)]
    pub dialects: Vec<Dialect>,
    /// Entra sends this entry's requests in the legacy dialect even when the Tenant URL carries
    /// `?aadOptscim062020` (on-demand provisioning ignores the flag, `ED-COMPAT`): it runs in
    /// legacy in every run. Needs `dialects = ["legacy"]`.
    #[serde(default)]
    pub flag_ignored: bool,
    /// What the target must offer for the entry to apply (e.g. `groups`); a vendor profile
    /// without it reports the trial as ignored, with the reason.
    #[serde(default)]
    pub needs: Vec<String>,
    /// Variables computed once when the trial starts, in order (templates may use earlier ones).
    #[serde(default)]
    pub vars: IndexMap<String, String>,
    /// The HTTP steps, in order.
    #[serde(rename = "step", default)]
    pub steps: Vec<Step>,
}

/// One HTTP request and what its response must satisfy.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// A short name shown in failure messages.
    pub name: String,
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE` (a `members` step implies `GET`).
    #[serde(default)]
    pub method: Option<String>,
    /// Variables set just before this step renders (templates), e.g. a different `member`
    /// for each of several creates from one fixture.
    #[serde(default)]
    pub vars: IndexMap<String, String>,
    /// Path relative to the target URL, e.g. `Users/{{user_id}}` (no leading slash; a
    /// `members` step implies `Groups/<group>`).
    #[serde(default)]
    pub path: Option<String>,
    /// Query parameters in order; values are templates, encoded as Entra encodes them.
    #[serde(default)]
    pub query: IndexMap<String, String>,
    /// Extra request headers (templates), replacing the harness's own of the same name; an
    /// empty value sends no such header (`Accept = ""`: Entra's Test Connection sends none).
    #[serde(default)]
    pub headers: IndexMap<String, String>,
    /// The request body.
    #[serde(default)]
    pub body: Option<BodySpec>,
    /// Which credentials to send: `token` (default), `none`, or `wrong`.
    #[serde(default)]
    pub auth: AuthMode,
    /// Run this step only in this dialect.
    #[serde(default)]
    pub only: Option<Dialect>,
    /// Send this step only to vendors whose profile has this capability (as in `needs`, e.g.
    /// `match:groups:displayName`): Entra sends no filter on an attribute a vendor does not
    /// match on.
    #[serde(default)]
    pub only_if: Option<String>,
    /// Send this step only to vendors whose profile lacks this capability.
    #[serde(default)]
    pub unless: Option<String>,
    /// Run this step even after an earlier step failed (e.g. a final delete).
    #[serde(default)]
    pub always: bool,
    /// This step only prepares the trial's subject; the trial named here
    /// (`<suite>::<entry>`) is the one whose subject it is. If the endpoint refuses it (a
    /// non-2xx status, an unmet expectation, a missing capture) a generated body is retried in
    /// the profile's tolerant form; if that fails too, the trial ends blocked by that trial.
    #[serde(default)]
    pub setup: Option<String>,
    /// A read-back whose non-2xx status is another trial's subject (`users::get-by-id`): the
    /// trial ends blocked by it instead of failing; the body's expectations are this trial's.
    #[serde(default)]
    pub blocked_by: Option<String>,
    /// Verify a group's membership: GET the group and compare `members`; when the endpoint does
    /// not return members, ask it by filter (`id eq "<group>" and members[value eq "<user>"]`),
    /// and when it supports neither, report the check as not verifiable (a warning).
    #[serde(default)]
    pub members: Option<MembersSpec>,
    /// What the response must satisfy.
    #[serde(default)]
    pub expect: Vec<ExpectSpec>,
    /// Variables to take from the response body: name -> JSON pointer.
    #[serde(default)]
    pub capture: IndexMap<String, String>,
    /// Values appended to a list variable at every run of the step (with `repeat`):
    /// name -> JSON pointer.
    #[serde(default)]
    pub capture_each: IndexMap<String, String>,
    /// Run the step this many times (1-200), with `{{n}}` = 1, 2, ... (e.g. creating the 11
    /// users a pagination check needs).
    #[serde(default)]
    pub repeat: Option<usize>,
    /// The step addresses a resource that does not exist: the id in this entry variable,
    /// which must be a fresh `{{guid}}`. Only then may a PATCH or DELETE address an id this run
    /// did not create.
    #[serde(default)]
    pub missing_id: Option<String>,
}

/// A membership check: the group, the members it must have exactly, those it must not have.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MembersSpec {
    /// The group id (a template, e.g. `{{group_id}}`).
    pub group: String,
    /// The member ids the group must have, exactly (templates).
    #[serde(default)]
    pub exactly: Option<Vec<String>>,
    /// Member ids the group must not have (templates).
    #[serde(default)]
    pub absent: Vec<String>,
    /// Why it matters, printed with a failure.
    #[serde(default)]
    pub why: Option<String>,
}

/// Credentials sent with a step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// The run's token (the default).
    #[default]
    Token,
    /// No `Authorization` header at all.
    None,
    /// A well-formed bearer token that is not the run's.
    Wrong,
}

/// A request body: exactly one of `json`, `file`, `raw`, `user` or `group`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodySpec {
    /// Inline JSON (written as TOML).
    #[serde(default)]
    pub json: Option<Value>,
    /// A JSON file under `fixtures/`, with `{{placeholders}}` inside strings.
    #[serde(default)]
    pub file: Option<String>,
    /// A literal body sent as is (for malformed-input checks).
    #[serde(default)]
    pub raw: Option<String>,
    /// The create body the vendor's profile makes Entra send for a user: `main` is the trial's
    /// own user (`{{user}}`, `{{email}}`...), any other name a distinct, run-unique person whose
    /// values are exported as `{{<name>_user}}`, `{{<name>_email}}`, `{{<name>_external_id}}`
    /// and `{{<name>_match}}` (the match filter on its matching attribute).
    #[serde(default)]
    pub user: Option<String>,
    /// The same for a group (`main` is `{{group}}`; others export `{{<name>_group}}`).
    #[serde(default)]
    pub group: Option<String>,
    /// With `user`/`group`: attributes changed from the profile's body, by SCIM path
    /// (`userName`, `name.givenName`, `emails[type eq "work"].value`, extension URN paths);
    /// values are templates. Only what the trial's subject needs.
    #[serde(default)]
    pub set: IndexMap<String, Value>,
    /// With `user`/`group`: top-level attributes left out of the profile's body.
    #[serde(default)]
    pub remove: Vec<String>,
    /// With `user`: instead of a create body, a PATCH over the attributes the profile maps,
    /// as Microsoft's gallery validation sends it: `update` (a new value for every
    /// single-valued writable attribute), `clear-empty` (`""` for every optional one) or
    /// `clear-null` (`null`). The person's recorded state follows, for `round_trip`.
    #[serde(default)]
    pub patch: Option<String>,
    /// With `user`/`group`: a look-alike of the trial's main person on the profile's matching
    /// attribute, so that a filter that is ignored or matches `eq` loosely finds it:
    /// `superstring` (the main value with a suffix) or `substring` (the main value less its
    /// last character). Run-tagged like every other person.
    #[serde(default)]
    pub decoy: Option<String>,
    /// With `patch`: `per-op` (one op per attribute, the default) or `pathless` (one
    /// path-less op with attribute-path keys; filtered paths as their own ops).
    #[serde(default)]
    pub form: Option<String>,
}

/// One expectation as written: a subject (`status`, `header` or `pointer`), one predicate, and
/// a severity.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectSpec {
    /// Subject and predicate at once: the status must be one of these.
    #[serde(default)]
    pub status: Option<OneOrMany<u16>>,
    /// Subject: a response header (case-insensitive name).
    #[serde(default)]
    pub header: Option<String>,
    /// Subject: a JSON pointer into the response body (`""` is the whole body).
    #[serde(default)]
    pub pointer: Option<String>,
    /// With `pointer` on an array: map each element through this sub-pointer first.
    #[serde(default)]
    pub each: Option<String>,

    /// Predicate: present (`true`) or absent (`false`).
    #[serde(default)]
    pub present: Option<bool>,
    /// Predicate: the value is absent (`absent = true`).
    #[serde(default)]
    pub absent: Option<bool>,
    /// Predicate: equal to this JSON value (templates rendered).
    #[serde(default)]
    pub equals: Option<Value>,
    /// Predicate: equal to this string, ignoring letter case.
    #[serde(default)]
    pub equals_ignore_case: Option<String>,
    /// Predicate: a string containing this text, or an array containing this element
    /// (objects match when every given key matches).
    #[serde(default)]
    pub contains: Option<Value>,
    /// Predicate: an array not containing this element.
    #[serde(default)]
    pub not_contains: Option<Value>,
    /// Predicate: an array of exactly this length.
    #[serde(default)]
    pub count: Option<usize>,
    /// Predicate: absent, `null` or `[]`.
    #[serde(default)]
    pub empty: Option<bool>,
    /// Predicate: of this JSON type (`string`, `number`, `integer`, `boolean`, `object`,
    /// `array`, `null`).
    #[serde(default, rename = "type")]
    pub type_: Option<String>,
    /// Predicate: a string matching this regular expression.
    #[serde(default)]
    pub matches: Option<String>,
    /// Predicate: an array equal to this one as a multiset (order ignored).
    #[serde(default)]
    pub set_equals: Option<Vec<Value>>,
    /// Predicate: equal to one of these values.
    #[serde(default)]
    pub one_of: Option<Vec<Value>>,
    /// Predicate (with `pointer`, usually `""`): every attribute sent to this person (`main`,
    /// or a person named in a `user` body) reads back as sent, string case and format
    /// preserved; after a generated `clear` PATCH, cleared attributes read back absent, null
    /// or empty.
    #[serde(default)]
    pub round_trip: Option<String>,
    /// With `round_trip`: targets whose expected value changed (`title = "New"`; templates).
    #[serde(default)]
    pub with: Option<IndexMap<String, Value>>,
    /// With `round_trip`: compare only the attributes generated PATCHes changed (what
    /// Microsoft's gallery validation compares), not everything sent at creation.
    #[serde(default)]
    pub patched_only: Option<bool>,
    /// Predicate: an array with one element per value of this key (e.g. `type`).
    #[serde(default)]
    pub unique_by: Option<String>,
    /// Predicate (on a `/Schemas` answer): every attribute the profile maps for `users` or
    /// `groups` is discoverable, flattened as Microsoft's gallery validation does.
    #[serde(default)]
    pub discoverable: Option<String>,
    /// Predicate: a number within `[low, high]`.
    #[serde(default)]
    pub between: Option<[f64; 2]>,
    /// Subject: a trial variable instead of the response (e.g. `token_lifetime_minutes`).
    #[serde(default)]
    pub var: Option<String>,

    /// `entra` (the default: Entra provisioning breaks; the trial fails), `gallery` (Microsoft's
    /// gallery validation rejects it: a warning unless `--fail-on gallery`) or `rfc` (an RFC
    /// 7643/7644 MUST Entra tolerates: a warning unless `--fail-on rfc` / `--strict`).
    #[serde(default)]
    pub severity: Option<super::expect::Severity>,
    /// Evaluate only when the response status is one of these.
    #[serde(default)]
    pub when_status: Option<OneOrMany<u16>>,
    /// A capability (`match:users:externalId`): the check is `entra` when the vendor's profile
    /// has it (Entra really sends the request for that vendor) and `gallery` otherwise (Microsoft's
    /// requirement list asks every endpoint to answer it, `ED-SCIM`).
    #[serde(default)]
    pub entra_if: Option<String>,
    /// Evaluate only for vendors whose profile has this capability
    /// (`option:delete-deactivates`).
    #[serde(default)]
    pub only_if: Option<String>,
    /// Evaluate only for vendors whose profile lacks this capability.
    #[serde(default)]
    pub unless: Option<String>,
    /// A precondition: when it fails, the trial is blocked by this trial (`<suite>::<entry>`,
    /// whose subject the failure is) instead of failing.
    #[serde(default)]
    pub blocks: Option<String>,
    /// Why it matters, printed with a failure.
    #[serde(default)]
    pub why: Option<String>,
}

/// A value written either alone or as an array.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    /// `status = 201`
    One(T),
    /// `status = [200, 204]`
    Many(Vec<T>),
}

impl<T: Clone> OneOrMany<T> {
    /// The values as a list.
    pub fn to_vec(&self) -> Vec<T> {
        match self {
            OneOrMany::One(v) => vec![v.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}
