/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * NOC 2021 titles (Statistics Canada's National Occupational
 * Classification, CNP in French), loaded from a tab-separated file
 * (code, level, title_en, title_fr) at start and on reload, so that
 * messages say "Registered nurses and registered psychiatric nurses"
 * rather than "NOC 31301". Read-only once loaded; owned by the config.
 */
#ifndef RELAIS_NOC_H
#define RELAIS_NOC_H

#include <stddef.h>

struct noc;

/*
 * Loads path; NULL with "line N: message" (or the system's error) in err
 * when it cannot be read or a line is not "code<TAB>level<TAB>title_en
 * <TAB>title_fr" with a code of 1 to 5 digits, unique, and UTF-8 titles.
 */
struct noc	*noc_load(const char *path, char *err, size_t errlen);
/* Parses a file's bytes (what noc_load reads); as noc_load. */
struct noc	*noc_parse(const char *data, size_t len, char *err,
		    size_t errlen);
void		 noc_free(struct noc *);
size_t		 noc_count(const struct noc *);
/*
 * The title of code in lang ("en" for English, else French), or NULL when
 * the code is unknown or has no title in that language (NOC's upper levels
 * have none in French). noc may be NULL.
 */
const char	*noc_title(const struct noc *, const char *code,
		    const char *lang);

#endif
