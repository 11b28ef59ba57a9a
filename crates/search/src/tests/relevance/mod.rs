//! Ranking is a tested behaviour: each module states one property in its doc comment and checks it
//! on its own tiny index, so a change that breaks a property names it.

mod exact_name_first;
mod field_boosts;
mod identifier_splitting;
mod no_false_stems;
mod popularity_prior;
mod prefix;
mod punctuation_queries;
mod stop_words_in_names;
mod typo_tolerance;
mod visibility;
