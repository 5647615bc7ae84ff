//! Reading the issuer's JSON inputs (its configuration, `startSession` input, stored family
//! records) with rotor's one reader, [`crate::json::scan`]: members are looked up by name,
//! names the input does not define are refused (as `serde`'s `deny_unknown_fields` did), and
//! `null` counts as an omitted member. Error messages name the member and the expected type,
//! never the caller's value (a secret pasted into the wrong field must not be quoted back).

use crate::json::scan::{self, Kind, Object, Raw};
use crate::json::write::push_string;
use crate::text::{join, prefix};

/// The members of one input object, with the path of the object (`clients[0].`) for messages.
pub(crate) struct Members<'a> {
    object: Object<'a>,
    at: String,
}

impl<'a> Members<'a> {
    /// The members of `raw` (an object) at `at`, refusing names outside `known`.
    pub(crate) fn of(raw: &Raw<'a>, at: &str, known: &[&str]) -> Result<Self, String> {
        let Some(object) = raw.object() else {
            return Err(join(&[at.trim_end_matches('.'), " must be an object"]));
        };
        Self::new(object, at, known)
    }

    /// The members of the object `text`, refusing names outside `known`.
    pub(crate) fn parse(text: &'a str, known: &[&str]) -> Result<Self, String> {
        let object = scan::object(text).map_err(|e| e.message())?;
        Self::new(object, "", known)
    }

    fn new(object: Object<'a>, at: &str, known: &[&str]) -> Result<Self, String> {
        if let Some((name, _)) = object.members().find(|(n, _)| !known.contains(n)) {
            return Err(join(&["unknown member \"", at, prefix(name, 40), "\""]));
        }
        Ok(Members {
            object,
            at: at.to_owned(),
        })
    }

    fn error(&self, name: &str, what: &str) -> String {
        join(&[&self.at, name, " ", what])
    }

    /// The member's value; `None` when it is absent or `null`.
    pub(crate) fn get(&self, name: &str) -> Option<&Raw<'a>> {
        self.object.get(name).filter(|v| !v.is_null())
    }

    /// A string member, if present.
    pub(crate) fn string(&self, name: &str) -> Result<Option<String>, String> {
        self.get(name)
            .map(|v| {
                v.as_str()
                    .map(|s| s.into_owned())
                    .ok_or_else(|| self.error(name, "must be a string"))
            })
            .transpose()
    }

    /// A string member that must be present.
    pub(crate) fn required(&self, name: &str) -> Result<String, String> {
        self.string(name)?
            .ok_or_else(|| self.error(name, "is missing"))
    }

    /// A whole, non-negative number member (at most `u64::MAX`), if present.
    pub(crate) fn u64(&self, name: &str) -> Result<Option<u64>, String> {
        self.get(name)
            .map(|v| {
                v.as_u64()
                    .ok_or_else(|| self.error(name, "must be a whole, non-negative number"))
            })
            .transpose()
    }

    /// A boolean member; absent is `false`.
    pub(crate) fn bool(&self, name: &str) -> Result<bool, String> {
        self.get(name).map_or(Ok(false), |v| {
            v.as_bool()
                .ok_or_else(|| self.error(name, "must be true or false"))
        })
    }

    /// An array member's elements, if present.
    pub(crate) fn array(&self, name: &str) -> Result<Option<Vec<Raw<'a>>>, String> {
        self.get(name)
            .map(|v| {
                v.elements()
                    .ok_or_else(|| self.error(name, "must be an array"))
            })
            .transpose()
    }

    /// An array-of-strings member, if present.
    pub(crate) fn strings(&self, name: &str) -> Result<Option<Vec<String>>, String> {
        let Some(list) = self.array(name)? else {
            return Ok(None);
        };
        list.iter()
            .map(|v| {
                v.as_str()
                    .map(|s| s.into_owned())
                    .ok_or_else(|| self.error(name, "must be an array of strings"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
}

/// `object` as compact JSON with every object's members sorted by name: the bytes
/// `serde_json` writes for its `Value` (a `BTreeMap` per object). Numbers keep their text
/// (valid JSON; `serde_json` would re-format a non-canonical one such as `1.50`).
pub(crate) fn canonical(object: &Object<'_>) -> String {
    let mut out = String::new();
    push_object(&mut out, object);
    out
}

fn push_object(out: &mut String, object: &Object<'_>) {
    let mut members: Vec<(&str, &Raw<'_>)> = object.members().collect();
    members.sort_unstable_by(|a, b| a.0.cmp(b.0));
    out.push('{');
    for (i, (name, v)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_string(out, name);
        out.push(':');
        push_value(out, v);
    }
    out.push('}');
}

fn push_value(out: &mut String, value: &Raw<'_>) {
    match value.kind() {
        // A scanned container always scans again (its text was validated).
        Kind::Object => {
            if let Some(object) = value.object() {
                push_object(out, &object);
            }
        }
        Kind::Array => {
            out.push('[');
            for (i, v) in value.elements().unwrap_or_default().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_value(out, v);
            }
            out.push(']');
        }
        Kind::String { escaped: true } => push_string(out, &value.as_str().unwrap_or_default()),
        _ => out.push_str(value.json()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_refuse_unknown_names_and_wrong_types_without_quoting_values() {
        let m = Members::parse(
            r#"{"a":"x","n":5,"b":true,"z":null,"l":["p"]}"#,
            &["a", "n", "b", "z", "l"],
        )
        .unwrap();
        assert_eq!(m.required("a").unwrap(), "x");
        assert_eq!(m.u64("n").unwrap(), Some(5));
        assert!(m.bool("b").unwrap());
        assert_eq!(m.string("z").unwrap(), None);
        assert_eq!(m.required("z").unwrap_err(), "z is missing");
        assert_eq!(m.strings("l").unwrap(), Some(vec!["p".to_owned()]));
        assert_eq!(
            m.u64("a").unwrap_err(),
            "a must be a whole, non-negative number"
        );
        assert_eq!(m.string("n").unwrap_err(), "n must be a string");
        let e = Members::parse(r#"{"secret-name":1}"#, &["a"])
            .err()
            .unwrap();
        assert_eq!(e, "unknown member \"secret-name\"");
        for n in ["1.5", "-1", "1e3", "18446744073709551616"] {
            let text = ["{\"n\":", n, "}"].concat();
            assert!(
                Members::parse(&text, &["n"]).unwrap().u64("n").is_err(),
                "{n}"
            );
        }
        let text = r#"{"n":18446744073709551615}"#;
        assert_eq!(
            Members::parse(text, &["n"]).unwrap().u64("n").unwrap(),
            Some(u64::MAX)
        );
    }

    #[test]
    fn canonical_is_what_serde_json_writes() {
        for text in [
            r#"{"b":1,"a":{"z":[1,"\u00e9",{"y":null,"x":true}],"\u0041":"\/"}}"#,
            r#"{ "t" : "a\"b\\c\n" , "e" : [ ] , "o" : { } , "n": -0.5 }"#,
        ] {
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(canonical(&scan::object(text).unwrap()), value.to_string());
        }
    }
}
