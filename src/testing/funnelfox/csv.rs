//! The catalogue as CSV: `export_csv` writes a row per price point,
//! `import_csv` reads the same columns back (existing idents skipped), so that
//! an export imports as it is.

use super::assets::Assets;
use super::http::{Answer, Rejection, ok};
use crate::funnelfox::types;
use axum::response::IntoResponse;
use rust_decimal::Decimal;
use serde_json::Value;

impl Assets {
    pub(super) fn export_csv(&mut self) -> Answer {
        let mut csv = String::from(
            "ident,currency_code,intro_type,lifetime_price,next_price,next_period,next_period_duration,features\n",
        );
        for p in self.catalogue.values() {
            let price = |d: Option<Decimal>| d.map(|d| d.to_string()).unwrap_or_default();
            csv.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                p.ident,
                p.currency,
                p.intro_type,
                price(p.lifetime_price),
                price(p.next_price),
                p.next_period,
                p.next_period_duration,
                p.features.join(";")
            ));
        }
        Ok(([("content-type", "text/csv")], csv).into_response())
    }

    /// Insert the price points of a CSV in the export's columns; existing
    /// identifiers are skipped.
    pub(super) fn import_csv(&mut self, csv: &str) -> Answer {
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
        for line in lines.filter(|l| !l.trim().is_empty()) {
            let mut row: serde_json::Map<String, Value> = header
                .iter()
                .zip(line.split(','))
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| {
                    let v = match *k {
                        "next_period" => v.parse::<i64>().map(Value::from).unwrap_or(Value::Null),
                        "features" => Value::String(v.replace(';', ",")),
                        _ => Value::String(v.to_string()),
                    };
                    (k.to_string(), v)
                })
                .collect();
            let ident = row.get("ident").and_then(Value::as_str).unwrap_or_default().to_string();
            if ident.is_empty() || self.catalogue.contains_key(&ident) {
                continue;
            }
            // A column left out (or empty) is what `pp_create` would start from.
            for (column, default) in [("currency_code", "USD"), ("intro_type", "no_intro"), ("features", "")] {
                row.entry(column).or_insert_with(|| Value::from(default));
            }
            let row: types::PricePointCreateIn = serde_json::from_value(Value::Object(row))
                .map_err(|e| Rejection::rule(format!("price point {ident:?}: {e}")))?;
            self.pp_create(row)?;
        }
        ok()
    }
}
