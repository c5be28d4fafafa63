//! The formatter: compact JSON as `serde_json::to_vec` writes it, each token told to the schema's follower.

use super::{Follow, Key};
use crate::runtime::spec::JsonType;
use crate::runtime::validate::rules::{satisfies_items, satisfies_str};
use serde_json::ser::{CharEscape, CompactFormatter, Formatter};
use std::io;

/// The formatter: writes compact JSON exactly as `serde_json::to_vec`, and
/// tells [`Follow`] what it writes.
pub(super) struct Writer<'f, 's>(pub(super) &'f mut Follow<'s>);

macro_rules! integers {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method<W: ?Sized + io::Write>(&mut self, w: &mut W, value: $ty) -> io::Result<()> {
            if self.0.shown {
                self.0.integer(value as f64);
            }
            CompactFormatter.$method(w, value)
        }
    )*};
}

impl Formatter for Writer<'_, '_> {
    integers!(write_i8: i8, write_i16: i16, write_i32: i32, write_i64: i64,
              write_u8: u8, write_u16: u16, write_u32: u32, write_u64: u64);

    fn write_null<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.0.shown {
            self.0.null();
        }
        CompactFormatter.write_null(w)
    }

    fn write_bool<W: ?Sized + io::Write>(&mut self, w: &mut W, value: bool) -> io::Result<()> {
        if self.0.shown {
            // Rules are vacuous on booleans.
            self.0.begin(&[JsonType::Boolean]);
        }
        CompactFormatter.write_bool(w, value)
    }

    fn write_f64<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        if self.0.shown {
            // Written in the shortest form that reads back as this very `f64`.
            self.0.number(&[JsonType::Number], value);
        }
        CompactFormatter.write_f64(w, value)
    }

    // Read back, these need not be the value written (an `f32` as `f64`, a
    // 128-bit integer as a float): not followed.
    fn write_f32<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f32) -> io::Result<()> {
        self.0.give_up();
        CompactFormatter.write_f32(w, value)
    }

    fn write_i128<W: ?Sized + io::Write>(&mut self, w: &mut W, value: i128) -> io::Result<()> {
        self.0.give_up();
        CompactFormatter.write_i128(w, value)
    }

    fn write_u128<W: ?Sized + io::Write>(&mut self, w: &mut W, value: u128) -> io::Result<()> {
        self.0.give_up();
        CompactFormatter.write_u128(w, value)
    }

    fn write_number_str<W: ?Sized + io::Write>(&mut self, w: &mut W, value: &str) -> io::Result<()> {
        self.0.give_up();
        CompactFormatter.write_number_str(w, value)
    }

    fn write_raw_fragment<W: ?Sized + io::Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        self.0.give_up();
        CompactFormatter.write_raw_fragment(w, fragment)
    }

    fn begin_string<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.0.shown && self.0.key.is_none() {
            let schema = self.0.begin(&[JsonType::String]);
            self.0.string = Some((schema, 0));
        }
        CompactFormatter.begin_string(w)
    }

    fn end_string<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.0.shown {
            match (self.0.key, self.0.string.take()) {
                (Some(Key::Unread), _) => self.0.key = Some(self.0.lookup("")),
                (None, Some((Some(s), 0))) if !s.rules.iter().all(|r| satisfies_str(r, "")) => self.0.give_up(),
                _ => {}
            }
        }
        CompactFormatter.end_string(w)
    }

    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        if self.0.shown {
            self.0.fragment(fragment);
        }
        CompactFormatter.write_string_fragment(w, fragment)
    }

    fn write_char_escape<W: ?Sized + io::Write>(&mut self, w: &mut W, escape: CharEscape) -> io::Result<()> {
        if self.0.shown {
            match (self.0.key, self.0.string) {
                (None, Some((Some(s), _))) if s.rules.is_empty() => {}
                (None, Some((None, _))) => {}
                _ => self.0.give_up(),
            }
        }
        CompactFormatter.write_char_escape(w, escape)
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.0.shown {
            self.0.open(&[JsonType::Array]);
        }
        CompactFormatter.begin_array(w)
    }

    fn begin_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if self.0.shown {
            let frame = &mut self.0.frames[self.0.depth - 1];
            frame.count += 1;
            self.0.next = frame.schema.and_then(|s| s.items);
        }
        CompactFormatter.begin_array_value(w, first)
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.0.shown {
            let frame = self.0.close();
            if let Some(s) = frame.schema
                && !s.rules.iter().all(|r| satisfies_items(r, frame.count as usize))
            {
                self.0.give_up();
            }
        }
        CompactFormatter.end_array(w)
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.0.shown {
            // Rules are vacuous on objects; the properties are what is checked.
            self.0.open(&[JsonType::Object]);
        }
        CompactFormatter.begin_object(w)
    }

    fn begin_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if self.0.shown {
            self.0.key = Some(Key::Unread);
        }
        CompactFormatter.begin_object_key(w, first)
    }

    fn end_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.0.shown {
            let follow = &mut *self.0;
            let frame = &mut follow.frames[follow.depth - 1];
            follow.next = None;
            let followed = match follow.key.take() {
                Some(Key::Declared(i)) if frame.count & (1 << i) == 0 => {
                    frame.count |= 1 << i;
                    follow.next = frame.schema.map(|s| s.properties[i].schema);
                    true
                }
                Some(Key::Undeclared) => true,
                // A duplicate, or not a string key.
                _ => false,
            };
            if !followed {
                follow.give_up();
            }
        }
        CompactFormatter.end_object_key(w)
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.0.shown {
            let frame = self.0.close();
            let missing = frame.schema.is_some_and(|s| {
                s.properties
                    .iter()
                    .enumerate()
                    .any(|(i, p)| p.required && frame.count & (1 << i) == 0)
            });
            if missing {
                self.0.give_up();
            }
        }
        CompactFormatter.end_object(w)
    }
}
