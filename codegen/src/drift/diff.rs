//! Two corrected documents compared: operations (by method name) and component
//! schemas (by Rust type name), plus the generated type names as a cross-check.

use super::pages::PageSet;
use super::schema::{self, Ctx, Usage};
use crate::names;
use crate::normalize::{METHODS, is_json};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What a change is about; the report groups by it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    /// An operation, by its method name (the normalized operation id).
    Operation(String),
    /// A component schema, by its Rust type name.
    Schema(String),
    /// Types the generator derives (named after titles and places).
    Generated,
}

/// One difference and its classification.
#[derive(Clone, Debug)]
pub struct Change {
    pub subject: Subject,
    pub what: String,
    pub breaking: bool,
    /// Why, in one phrase.
    pub reason: String,
}

/// Every difference found.
#[derive(Default, Debug)]
pub struct Findings {
    pub changes: Vec<Change>,
    /// Changes to descriptive text only, not reported one by one.
    pub descriptive: usize,
    /// Generated types appearing or disappearing as a consequence of `changes`:
    /// listed, not counted.
    pub derived: Vec<Change>,
    /// A line heading each subject (method and path; who uses a schema).
    pub headings: BTreeMap<Subject, String>,
    /// The operations that read or send each schema.
    pub users: BTreeMap<Subject, BTreeSet<String>>,
}

impl Findings {
    pub fn push(&mut self, subject: &Subject, what: impl Into<String>, breaking: bool, reason: impl Into<String>) {
        self.changes.push(Change {
            subject: subject.clone(),
            what: what.into(),
            breaking,
            reason: reason.into(),
        });
    }

    pub fn breaking(&self) -> usize {
        self.changes.iter().filter(|c| c.breaking).count()
    }
}

/// Keys that describe and do not define.
pub const DESCRIPTIVE: [&str; 7] = [
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "externalDocs",
    "tags",
];

/// Count the descriptive keys that differ between two objects.
pub fn count_descriptive(old: &Value, new: &Value, f: &mut Findings) {
    f.descriptive += DESCRIPTIVE.iter().filter(|k| old.get(**k) != new.get(**k)).count();
}

/// Operations, then component schemas.
pub fn compare(old: &Value, new: &Value) -> Findings {
    let mut f = Findings::default();
    compare_operations(old, new, &mut f);
    compare_components(old, new, &mut f);
    f
}

/// One operation of a document.
struct Op<'a> {
    method: &'a str,
    path: &'a str,
    item: &'a Value,
    op: &'a Value,
}

impl Op<'_> {
    fn endpoint(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }
}

/// The operations of `doc`, by operation id.
fn operations(doc: &Value) -> BTreeMap<String, Op<'_>> {
    let mut out = BTreeMap::new();
    for (path, item) in doc.get("paths").and_then(Value::as_object).into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if let (true, Some(id)) = (
                METHODS.contains(&method.as_str()),
                op.get("operationId").and_then(Value::as_str),
            ) {
                out.insert(id.to_string(), Op { method, path, item, op });
            }
        }
    }
    out
}

fn union<'a, V>(a: &'a BTreeMap<String, V>, b: &'a BTreeMap<String, V>) -> BTreeSet<&'a String> {
    a.keys().chain(b.keys()).collect()
}

fn compare_operations(old_doc: &Value, new_doc: &Value, f: &mut Findings) {
    let (old, new) = (operations(old_doc), operations(new_doc));
    for id in union(&old, &new) {
        let subject = Subject::Operation(id.clone());
        match (old.get(id), new.get(id)) {
            (Some(o), None) => {
                f.headings.insert(subject.clone(), o.endpoint());
                f.push(&subject, "operation removed", true, "the method disappears");
            }
            (None, Some(n)) => {
                f.headings.insert(subject.clone(), n.endpoint());
                f.push(&subject, "operation added", false, "a new method");
            }
            (Some(o), Some(n)) => {
                f.headings.insert(subject.clone(), n.endpoint());
                let docs = (old_doc, new_doc);
                compare_operation(docs, o, n, &subject, f);
            }
            (None, None) => {}
        }
    }
}

fn compare_operation(docs: (&Value, &Value), o: &Op, n: &Op, subject: &Subject, f: &mut Findings) {
    count_descriptive(o.op, n.op, f);
    if o.endpoint() != n.endpoint() {
        let what = format!("endpoint {} → {}", o.endpoint(), n.endpoint());
        f.push(subject, what, true, "requests to the old endpoint are no longer served");
    }
    compare_auth(docs, o.op, n.op, subject, f);
    compare_retry(o, n, subject, f);
    compare_parameters(docs, o, n, subject, f);
    compare_body(docs, o.op, n.op, subject, f);
    compare_answer(docs, o.op, n.op, subject, f);
}

/// The security schemes an operation's requirements name (its own or the document's).
fn security_schemes(doc: &Value, op: &Value) -> BTreeSet<String> {
    let reqs = op.get("security").or_else(|| doc.get("security"));
    reqs.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|r| r.keys().cloned())
        .collect()
}

/// `FunnelFoxSecretKey` (header `ff-secret-key`).
fn scheme_label(doc: &Value, scheme: &str) -> String {
    match doc
        .pointer(&format!("/components/securitySchemes/{scheme}/name"))
        .and_then(Value::as_str)
    {
        Some(header) => format!("`{scheme}` (header `{header}`)"),
        None => format!("`{scheme}`"),
    }
}

fn compare_auth((old_doc, new_doc): (&Value, &Value), o: &Value, n: &Value, subject: &Subject, f: &mut Findings) {
    let (before, after) = (security_schemes(old_doc, o), security_schemes(new_doc, n));
    for scheme in after.difference(&before) {
        let what = format!("now requires {}", scheme_label(new_doc, scheme));
        f.push(subject, what, true, "requests without the key are refused");
    }
    for scheme in before.difference(&after) {
        let what = format!("no longer requires {}", scheme_label(old_doc, scheme));
        f.push(subject, what, false, "the key is no longer sent");
    }
}

/// The retry class as `codegen/operations.rs` decides it: `x-billing-retry`,
/// else `charge` for POST and PATCH and `safe` otherwise.
fn retry_class(o: &Op) -> String {
    match o.op.get("x-billing-retry").and_then(Value::as_str) {
        Some(declared) => format!("{declared} (declared)"),
        None if matches!(o.method, "post" | "patch") => "charge (POST/PATCH default)".into(),
        None => "safe (by HTTP method)".into(),
    }
}

fn compare_retry(o: &Op, n: &Op, subject: &Subject, f: &mut Findings) {
    let (before, after) = (retry_class(o), retry_class(n));
    if before.split(' ').next() == after.split(' ').next() {
        return;
    }
    let what = format!("retry class {before} → {after}");
    if after.starts_with("safe") {
        f.push(subject, what, true, "the client now re-sends it on transient failures");
    } else {
        f.push(
            subject,
            what,
            false,
            "never re-sent once it may have reached the server",
        );
    }
}

/// Follow a local `$ref` (`#/components/parameters/X` and the like).
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => doc.pointer(pointer).unwrap_or(v),
        None => v,
    }
}

/// An operation's parameters (its path's and its own), by "`name` (in)".
fn parameters<'a>(doc: &'a Value, o: &Op<'a>) -> BTreeMap<String, &'a Value> {
    let shared = o.item.get("parameters").and_then(Value::as_array).into_iter().flatten();
    let own = o.op.get("parameters").and_then(Value::as_array).into_iter().flatten();
    shared
        .chain(own)
        .map(|p| resolve(doc, p))
        .map(|p| {
            let name = p.get("name").and_then(Value::as_str).unwrap_or("?");
            let place = p.get("in").and_then(Value::as_str).unwrap_or("?");
            (format!("`{name}` ({place})"), p)
        })
        .collect()
}

fn is_required(v: &Value) -> bool {
    v.get("required").and_then(Value::as_bool).unwrap_or(false)
}

fn compare_parameters((od, nd): (&Value, &Value), o: &Op, n: &Op, subject: &Subject, f: &mut Findings) {
    let (before, after) = (parameters(od, o), parameters(nd, n));
    for key in union(&before, &after) {
        let label = format!("parameter {key}");
        match (before.get(key), after.get(key)) {
            (Some(_), None) => f.push(
                subject,
                format!("{label} removed"),
                true,
                "the method's argument disappears",
            ),
            (None, Some(p)) if is_required(p) => f.push(
                subject,
                format!("{label} added (required)"),
                true,
                "a new argument; requests without it are refused",
            ),
            (None, Some(_)) => f.push(
                subject,
                format!("{label} added (optional)"),
                true,
                "a new positional argument (Option<_>) on the method",
            ),
            (Some(a), Some(b)) => {
                count_descriptive(a, b, f);
                match (is_required(a), is_required(b)) {
                    (false, true) => f.push(
                        subject,
                        format!("{label}: optional → required"),
                        true,
                        "requests without it are refused",
                    ),
                    (true, false) => f.push(
                        subject,
                        format!("{label}: required → optional"),
                        true,
                        "the argument becomes Option<_>",
                    ),
                    _ => {}
                }
                let null = Value::Null;
                let (sa, sb) = (a.get("schema").unwrap_or(&null), b.get("schema").unwrap_or(&null));
                let cx = Ctx {
                    subject,
                    usage: Usage::REQUEST,
                    root: &label,
                };
                schema::compare(sa, sb, "", &cx, f);
            }
            (None, None) => {}
        }
    }
}

/// A request body: whether required, and its schema by media type.
fn body<'a>(doc: &'a Value, op: &'a Value) -> Option<(bool, BTreeMap<String, &'a Value>)> {
    let body = resolve(doc, op.get("requestBody")?);
    Some((is_required(body), media(body)))
}

fn media(holder: &Value) -> BTreeMap<String, &Value> {
    static NULL: Value = Value::Null;
    let content = holder.get("content").and_then(Value::as_object).into_iter().flatten();
    content
        .map(|(m, v)| (m.clone(), v.get("schema").unwrap_or(&NULL)))
        .collect()
}

fn compare_body((od, nd): (&Value, &Value), o: &Value, n: &Value, subject: &Subject, f: &mut Findings) {
    let (before, after) = match (body(od, o), body(nd, n)) {
        (None, None) => return,
        (Some(_), None) => {
            return f.push(
                subject,
                "request body removed",
                true,
                "the method's body argument disappears",
            );
        }
        (None, Some(_)) => {
            return f.push(
                subject,
                "request body added",
                true,
                "the method takes a new body argument",
            );
        }
        (Some(a), Some(b)) => (a, b),
    };
    match (before.0, after.0) {
        (false, true) => f.push(
            subject,
            "request body: optional → required",
            true,
            "requests without a body are refused",
        ),
        (true, false) => f.push(
            subject,
            "request body: required → optional",
            false,
            "a body may be omitted",
        ),
        _ => {}
    }
    for mime in union(&before.1, &after.1) {
        match (before.1.get(mime), after.1.get(mime)) {
            (Some(_), None) => f.push(
                subject,
                format!("request body as {mime} removed"),
                true,
                "the client can no longer send it so",
            ),
            (None, Some(_)) => f.push(
                subject,
                format!("request body as {mime} added"),
                false,
                "a new way to send it",
            ),
            (Some(a), Some(b)) => {
                let root = format!("request body ({mime})");
                let cx = Ctx {
                    subject,
                    usage: Usage::REQUEST,
                    root: &root,
                };
                schema::compare(a, b, "", &cx, f);
            }
            (None, None) => {}
        }
    }
}

/// The first success answer: its status and, by media type, its schemas.
fn answer<'a>(doc: &'a Value, op: &'a Value) -> Option<(&'a String, BTreeMap<String, &'a Value>)> {
    let responses = op.get("responses")?.as_object()?;
    let (status, response) = responses.iter().find(|(s, _)| s.starts_with('2'))?;
    Some((status, media(resolve(doc, response))))
}

/// What the method returns, as `codegen/operations.rs` decides it.
fn answer_kind(media: &BTreeMap<String, &Value>) -> &'static str {
    if media.keys().any(|m| is_json(m)) {
        return "JSON";
    }
    match media.keys().next() {
        None => "nothing",
        Some(m) if m.starts_with("text/") => "text",
        Some(_) => "bytes",
    }
}

fn json_schema<'a>(media: &BTreeMap<String, &'a Value>) -> Option<&'a Value> {
    media.iter().find(|(m, _)| is_json(m)).map(|(_, s)| *s)
}

fn compare_answer((od, nd): (&Value, &Value), o: &Value, n: &Value, subject: &Subject, f: &mut Findings) {
    let (Some(before), Some(after)) = (answer(od, o), answer(nd, n)) else {
        return;
    };
    if before.0 != after.0 {
        let what = format!("success status {} → {}", before.0, after.0);
        f.push(subject, what, false, "still the success answer the method decodes");
    }
    let (kind_before, kind_after) = (answer_kind(&before.1), answer_kind(&after.1));
    if kind_before != kind_after {
        let what = format!("answer {kind_before} → {kind_after}");
        return f.push(subject, what, true, "the method's return type changes");
    }
    if let (Some(a), Some(b)) = (json_schema(&before.1), json_schema(&after.1)) {
        let cx = Ctx {
            subject,
            usage: Usage::RESPONSE,
            root: "answer",
        };
        schema::compare(a, b, "", &cx, f);
    }
}

/// Who uses a component: how (request, response) and which operations.
#[derive(Default, Clone)]
struct UsedBy {
    usage: Usage,
    /// "one_click (request)", "one_click (answer)".
    by: BTreeSet<String>,
    /// The operation ids alone.
    ops: BTreeSet<String>,
}

/// The component schemas named by `$ref`s anywhere in `v`, following
/// references to other kinds of components (parameters, bodies, responses).
fn schema_refs(doc: &Value, v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                match r.strip_prefix("#/components/schemas/") {
                    Some(name) => {
                        out.insert(name.to_string());
                    }
                    None => {
                        if let Some(target) = r.strip_prefix('#').and_then(|p| doc.pointer(p)) {
                            schema_refs(doc, target, out);
                        }
                    }
                }
            }
            map.values().for_each(|v| schema_refs(doc, v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| schema_refs(doc, v, out)),
        _ => {}
    }
}

/// `roots` and every component they reach.
fn reachable(doc: &Value, roots: BTreeSet<String>) -> BTreeSet<String> {
    let (mut seen, mut todo): (BTreeSet<String>, Vec<String>) = (BTreeSet::new(), roots.into_iter().collect());
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let mut next = BTreeSet::new();
        if let Some(schema) = doc.pointer(&format!("/components/schemas/{name}")) {
            schema_refs(doc, schema, &mut next);
        }
        todo.extend(next.into_iter().filter(|n| !seen.contains(n)));
    }
    seen
}

/// For each component an operation reaches: how and by which.
fn usage(doc: &Value, into: &mut BTreeMap<String, UsedBy>) {
    for (id, o) in operations(doc) {
        let mut request = BTreeSet::new();
        for p in [
            o.item.get("parameters"),
            o.op.get("parameters"),
            o.op.get("requestBody"),
        ]
        .into_iter()
        .flatten()
        {
            schema_refs(doc, p, &mut request);
        }
        let mut response = BTreeSet::new();
        if let Some(r) = o.op.get("responses") {
            schema_refs(doc, r, &mut response);
        }
        for name in reachable(doc, request) {
            let used = into.entry(name).or_default();
            used.usage.request = true;
            used.by.insert(format!("{id} (request)"));
            used.ops.insert(id.clone());
        }
        for name in reachable(doc, response) {
            let used = into.entry(name).or_default();
            used.usage.response = true;
            used.by.insert(format!("{id} (answer)"));
            used.ops.insert(id.clone());
        }
    }
}

fn schemas(doc: &Value) -> BTreeMap<String, Value> {
    let schemas = doc.pointer("/components/schemas").and_then(Value::as_object);
    schemas
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// "used by a (request), b (answer)", at most four named.
fn used_by_line(used: Option<&UsedBy>) -> String {
    let Some(used) = used.filter(|u| !u.by.is_empty()) else {
        return "used by no operation (webhooks, errors): read as request and answer".into();
    };
    let named: Vec<&str> = used.by.iter().take(4).map(String::as_str).collect();
    let more = used.by.len().saturating_sub(4);
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!("used by {}{tail}", named.join(", "))
}

fn compare_components(old_doc: &Value, new_doc: &Value, f: &mut Findings) {
    let mut used = BTreeMap::new();
    usage(old_doc, &mut used);
    usage(new_doc, &mut used);
    let (old, new) = (schemas(old_doc), schemas(new_doc));
    for name in union(&old, &new) {
        let subject = Subject::Schema(names::type_name(name));
        let user = used.get(name.as_str());
        match (old.get(name), new.get(name)) {
            (Some(_), None) => f.push(&subject, "schema removed", true, "the Rust type disappears"),
            (None, Some(_)) => f.push(&subject, "schema added", false, "a new Rust type"),
            (Some(a), Some(b)) => {
                let usage = user.filter(|u| !u.by.is_empty()).map_or(Usage::BOTH, |u| u.usage);
                let cx = Ctx {
                    subject: &subject,
                    usage,
                    root: "",
                };
                schema::compare(a, b, "", &cx, f);
            }
            (None, None) => {}
        }
        f.headings.insert(subject.clone(), used_by_line(user));
        f.users.insert(subject, user.map(|u| u.ops.clone()).unwrap_or_default());
    }
}

/// The `pub struct|enum|type` names of generated code.
fn type_names(types: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for kind in ["pub struct ", "pub enum ", "pub type "] {
        for after in types.split(kind).skip(1) {
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.insert(name);
        }
    }
    out
}

/// Generated types that appear or disappear other than as components (those are
/// reported as schemas): newtypes and inline types named after titles and places.
/// They follow from the changes found, so they are listed, not counted; alone (a
/// title changed, nothing else) they are the changes.
pub fn compare_generated(before: &PageSet, after: &PageSet, f: &mut Findings) {
    let components: BTreeSet<String> = [&before.doc, &after.doc]
        .into_iter()
        .flat_map(|d| schemas(d).into_keys())
        .map(|n| names::type_name(&n))
        .collect();
    let (old, new) = (type_names(&before.types), type_names(&after.types));
    let subject = Subject::Generated;
    let change = |what: String, breaking: bool, reason: &str| Change {
        subject: subject.clone(),
        what,
        breaking,
        reason: reason.into(),
    };
    for gone in old.difference(&new).filter(|n| !components.contains(*n)) {
        let reason = "code naming it no longer compiles";
        f.derived
            .push(change(format!("type `{gone}` no longer generated"), true, reason));
    }
    for made in new.difference(&old).filter(|n| !components.contains(*n)) {
        f.derived
            .push(change(format!("type `{made}` generated"), false, "a new Rust type"));
    }
    if f.changes.is_empty() {
        f.changes.append(&mut f.derived);
    }
    let line = "named by the generator after titles and places (no component of that name)";
    f.headings.insert(subject, line.into());
}
