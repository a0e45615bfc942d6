/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The words relais writes inside sentences, per language: templates/<lang>/words.yaml. */
#ifndef RELAIS_WORDS_H
#define RELAIS_WORDS_H

#include <stddef.h>

#include "diag.h"

struct words;

/*
 * Reads dir/<lang>/words.yaml for each language. The file is optional: a
 * language without one writes neutral forms (ISO dates, language codes,
 * "email"/"sms", lists joined by commas). Problems in a file that exists
 * (a month missing, a key not a string, an unknown key) go to diag and
 * fail the load (NULL).
 */
struct words	*words_load(const char *dir, char *const *langs, size_t nlangs,
		    struct diag *);
void		 words_free(struct words *);

/* Whether lang has a words.yaml (config --check warns when not). */
int		 words_has(const struct words *, const char *lang);

/*
 * A word by key: "and", "noc", "channels.email", "languages.es". NULL
 * when lang has no such word (or no file); w may be NULL.
 */
const char	*words_get(const struct words *, const char *lang,
		    const char *key);

/* words_get, or fallback when lang has no such word. */
const char	*words_or(const struct words *, const char *lang,
		    const char *key, const char *fallback);

/*
 * A calendar date written the way lang writes it: "1er décembre 2026",
 * "November 25, 2026"; day 0 gives the month alone ("novembre 2026").
 * Without words: "2026-12-01", "2026-11".
 */
void		 words_date(const struct words *, const char *lang, int year,
		    int month, int day, char *out, size_t outlen);

#endif
