/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* bench-match: one job posting matched against N stored profiles, timed. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "diag.h"
#include "envelope.h"
#include "handlers.h"
#include "log.h"
#include "match.h"
#include "store.h"
#include "territory.h"

#define MATCH_BUDGET_MS		20.0	/* DESIGN.md, "Performance budgets" */
#define MATCH_BATCH		1000	/* profiles per pipelined round trip */
#define MATCH_WARMUP		5	/* postings run before the measured ones */
#define MATCH_SEED		0x52454c414953ULL	/* "RELAIS": fixed data */

/*
 * What the daemon's state script (daemon/queue_lua.c) does for one entry:
 * ARGV: prefix, state function, its arguments (read in ARGV from 3 on, as
 * named() reads them, handlers/store.c); the answer as JSON. The bench's
 * events are new, in order: not a retry, each one newer.
 */
static const char match_tail_lua[] =
"local t = redis.call('TIME')[1] .. '000'\n"
"local m = { retry = false, t = tonumber(t), ts = t, eid = '' }\n"
"return cjson.encode(S[ARGV[2]](ARGV[1], ARGV, 2, #ARGV - 2, m))\n";

/*
 * NOC 2021 unit groups of the region's job market, weighted: mining,
 * forestry, trades and transport (broad categories 7 and 8) heaviest.
 */
static const struct match_noc {
	const char	*code;
	const char	*title;
	int		 weight;
} match_nocs[] = {
	{ "00012", "Cadre supérieur(e), services financiers", 1 },
	{ "00013", "Cadre supérieur(e), santé et éducation", 1 },
	{ "00015", "Cadre supérieur(e), construction et production", 1 },
	{ "10010", "Directeur(trice) financier(ère)", 1 },
	{ "11100", "Comptable", 1 },
	{ "11200", "Conseiller(ère) en ressources humaines", 1 },
	{ "12200", "Technicien(ne) en comptabilité", 2 },
	{ "13100", "Agent(e) d'administration", 1 },
	{ "13110", "Adjoint(e) administratif(ve)", 2 },
	{ "14100", "Commis de bureau", 1 },
	{ "21102", "Géologue", 1 },
	{ "21231", "Développeur(se) de logiciels", 1 },
	{ "21301", "Ingénieur(e) mécanique", 1 },
	{ "21330", "Ingénieur(e) minier(ère)", 1 },
	{ "21331", "Ingénieur(e) géologue", 1 },
	{ "22101", "Technicien(ne) en géologie et minéralogie", 2 },
	{ "22300", "Technicien(ne) en génie civil", 1 },
	{ "22310", "Technicien(ne) en électronique", 1 },
	{ "31102", "Médecin de famille", 1 },
	{ "31120", "Pharmacien(ne)", 1 },
	{ "31301", "Infirmier(ère)", 3 },
	{ "32101", "Infirmier(ère) auxiliaire", 2 },
	{ "32120", "Technologiste médical(e)", 1 },
	{ "33102", "Préposé(e) aux bénéficiaires", 3 },
	{ "41220", "Enseignant(e) au secondaire", 1 },
	{ "41221", "Enseignant(e) au primaire", 1 },
	{ "42201", "Intervenant(e) communautaire", 1 },
	{ "42202", "Éducateur(trice) à la petite enfance", 2 },
	{ "43100", "Aide-enseignant(e)", 1 },
	{ "44100", "Responsable de garde en milieu familial", 1 },
	{ "51111", "Rédacteur(trice)", 1 },
	{ "52120", "Graphiste", 1 },
	{ "54100", "Animateur(trice) en loisirs et sports", 1 },
	{ "62020", "Superviseur(e) des services alimentaires", 1 },
	{ "62100", "Représentant(e) technique des ventes", 1 },
	{ "63200", "Cuisinier(ère)", 3 },
	{ "64100", "Vendeur(se) au détail", 3 },
	{ "65100", "Caissier(ère)", 2 },
	{ "65200", "Serveur(se)", 2 },
	{ "65201", "Aide-cuisinier(ère)", 2 },
	{ "65310", "Préposé(e) à l'entretien ménager", 2 },
	{ "72020", "Contremaître, mécanique", 1 },
	{ "72100", "Machiniste", 2 },
	{ "72106", "Soudeur(se)", 4 },
	{ "72200", "Électricien(ne) en construction", 2 },
	{ "72201", "Électricien(ne) industriel(le)", 3 },
	{ "72300", "Plombier(ère)", 1 },
	{ "72310", "Charpentier(ère)-menuisier(ère)", 2 },
	{ "72400", "Mécanicien(ne) industriel(le)", 3 },
	{ "72401", "Mécanicien(ne) d'équipement lourd", 4 },
	{ "72402", "Frigoriste", 1 },
	{ "72410", "Mécanicien(ne) de véhicules lourds", 2 },
	{ "73300", "Camionneur(se)", 4 },
	{ "73400", "Opérateur(trice) d'équipement lourd", 3 },
	{ "75110", "Manœuvre en construction", 2 },
	{ "80010", "Directeur(trice) d'exploitation minière", 1 },
	{ "82010", "Surveillant(e) en exploitation forestière", 1 },
	{ "82020", "Contremaître de mine", 2 },
	{ "83100", "Mineur(e) de production et de développement", 6 },
	{ "83110", "Opérateur(trice) de machinerie forestière", 2 },
	{ "84100", "Travailleur(se) de soutien, mine souterraine", 4 },
	{ "84110", "Opérateur(trice) de scie à chaîne et de débusqueuse", 1 },
	{ "84111", "Ouvrier(ère) sylvicole", 1 },
	{ "85110", "Manœuvre de mine", 3 },
	{ "85120", "Manœuvre forestier(ère)", 1 },
	{ "92010", "Surveillant(e), traitement du minerai", 1 },
	{ "92100", "Mécanicien(ne) de centrale", 1 },
	{ "94100", "Opérateur(trice), traitement du minerai", 3 },
	{ "94120", "Opérateur(trice) de scierie", 2 },
	{ "95100", "Manœuvre, traitement des métaux", 2 },
	{ "95103", "Manœuvre, transformation du bois", 1 },
};
#define MATCH_NNOCS	(sizeof match_nocs / sizeof match_nocs[0])

/* Skills as people write them, per broad category (first NOC digit). */
static const char *const match_vocab[10][21] = {
	{ "Gestion budgétaire", "Planification stratégique", "Leadership",
	  "Gestion de projets", "Relations avec les communautés autochtones",
	  "Négociation", "Gouvernance", "Gestion du changement",
	  "Développement des affaires", "Santé et sécurité du travail", NULL },
	{ "Comptabilité", "Paie", "Excel avancé", "Sage 50", "Acomba",
	  "Service à la clientèle", "Gestion documentaire", "Tenue de livres",
	  "Rédaction administrative", "Bilinguisme français-anglais",
	  "Recrutement", "Relations de travail", "QuickBooks", NULL },
	{ "Géologie d'exploration", "Cartographie SIG", "AutoCAD",
	  "Modélisation 3D (Leapfrog)", "Échantillonnage", "Géotechnique",
	  "Python", "Ventilation minière", "Arpentage", "Génie électrique",
	  "Contrôle de la qualité", "Hydrogéologie", "Développement Web", NULL },
	{ "Soins infirmiers", "Soins palliatifs", "Prélèvements sanguins",
	  "Triage à l'urgence", "Pharmacologie", "RCR/DEA", "Soins à domicile",
	  "Santé mentale", "Gériatrie", "Périnatalité",
	  "Dossier médical électronique", "PDSB", NULL },
	{ "Enseignement primaire", "Français langue seconde",
	  "Intervention jeunesse", "Éducation à la petite enfance",
	  "Adaptation scolaire", "Travail social", "Médiation interculturelle",
	  "Animation de groupe", "Relation d'aide", "Intervention de crise",
	  "Orthopédagogie", NULL },
	{ "Photoshop", "Illustrator", "Montage vidéo", "Animation de camps",
	  "Plein air", "Guide de chasse et pêche", "Rédaction Web",
	  "Photographie", "Sauveteur national", "Entraînement sportif", NULL },
	{ "Service à la clientèle", "Caisse", "Cuisine",
	  "Hygiène et salubrité (MAPAQ)", "Vente-conseil", "Gestion des stocks",
	  "Barista", "Entretien ménager", "Service aux tables",
	  "Préparation de commandes", "Boucherie", "Boulangerie", NULL },
	{ "Soudure MIG", "Soudure TIG", "Soudure à l'arc (SMAW)",
	  "Lecture de plans", "Mécanique diesel", "Hydraulique",
	  "Électricité industrielle", "Automates programmables (PLC)",
	  "Permis classe 1", "Permis classe 3", "Conduite de chargeuse",
	  "Conduite de camion hors route", "Conduite de pelle hydraulique",
	  "Cariste", "Charpenterie-menuiserie", "Plomberie", "Réfrigération",
	  "Usinage CNC", "ASP Construction", "Forklift operation", NULL },
	{ "Forage au diamant", "Dynamitage", "Boutefeu",
	  "Conduite de chargeuse-navette souterraine", "Boulonnage",
	  "Écaillage", "Sauvetage minier", "Opération de jumbo de forage",
	  "Abattage mécanisé", "Débusqueuse", "Débroussaillage",
	  "Scie à chaîne", "Sylviculture", "Cadenassage",
	  "Conduite de chargeuse", "Hydraulique", "Underground mining", NULL },
	{ "Opération de concasseur", "Flottation", "Broyage",
	  "Contrôle de procédés", "Sciage", "Classage du bois", "Cariste",
	  "Entretien préventif", "Affûtage", "Électromécanique",
	  "Cadenassage", "Lecture de plans", NULL },
};

/* The territories of config/relais.yaml; weights for profiles, postings. */
static const struct match_place {
	const char	*id;
	int		 want;	/* desired by profiles */
	int		 post;	/* postings */
} match_places[] = {
	{ "abitibi", 18, 18 },
	{ "abitibi-ouest", 11, 11 },
	{ "vallee-de-l-or", 24, 28 },
	{ "temiscamingue", 8, 9 },
	{ "rouyn-noranda", 24, 28 },
	{ "region", 15, 6 },
};
#define MATCH_NPLACES	(sizeof match_places / sizeof match_places[0])

static const char *const match_names[] = {
	"Amina", "Liam", "Sofía", "Nguyen", "Chloé", "Kwame", "Inès",
	"Oleksandr", "Marie-Ève", "Juan Carlos", "Fatou", "Mohamed", "Priya",
	"Jean-François", "Aïcha", "Diego", "Léa", "Yusuf", "Mariana",
	"Thi Hoa", "Olumide", "Gabriel", "Zoé", "Karim", "Ana Lucía", "Nadia",
	"Rodrigo", "Émilie", "Hamza", "Olga",
};

/* Spoken languages, weighted: French first, then English and Spanish. */
static const struct match_langs {
	const char	*l[2];
	int		 weight;
} match_langs[] = {
	{ { "fr", NULL }, 35 }, { { "fr", "en" }, 25 }, { { "en", NULL }, 10 },
	{ { "es", "fr" }, 10 }, { { "es", NULL }, 5 }, { { "ar", "fr" }, 7 },
	{ { "en", "tl" }, 4 }, { { "uk", "en" }, 4 },
};

struct match_bench {
	redisContext		*c;
	struct config		*cf;
	const char		*prefix;
	char			 sha[41];
	unsigned long		 n;		/* profiles */
	unsigned long		 m;		/* measured postings */
	unsigned long		 worst;		/* runs of the worst case */
	unsigned long		 posted;	/* postings so far (ids) */
	uint64_t		 rng;
	long long		 lua_usec;	/* EVALSHA time Redis reported */
	int			 noc_total;
};

/* One posting, per phase, in ms. */
struct match_sample {
	double	total;
	double	redis;		/* request sent to reply parsed by hiredis */
	double	lua;		/* of which Redis ran the script */
	double	decode;		/* the small JSON answer, rows for the handler */
	double	rank;		/* fold the posting's skills, match_rank */
	double	release;	/* free the reply, the JSON, the hits */
	size_t	bytes;		/* the answer's size */
	size_t	cands;		/* candidates compared */
	size_t	hits;		/* at or above the threshold */
};

static void __attribute__((noreturn))
match_usage(void)
{
	fprintf(stderr, "usage: bench-match -s socket [-c config] [-n N] "
	    "[-m M] [-w W]\n"
	    "  -s socket  redis-server's unix socket (an empty database)\n"
	    "  -c config  relais.yaml (default config/relais.yaml)\n"
	    "  -n N       profiles to store (default 100000)\n"
	    "  -m M       postings to time (default 200)\n"
	    "  -w W       runs of the worst case (default 20)\n");
	exit(2);
}

/* Parses a positive decimal integer or exits with the usage. */
static unsigned long
match_ulong(const char *s)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v == 0)
		match_usage();
	return v;
}

static double
match_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* splitmix64: the same data on every run and machine. */
static uint64_t
match_next(struct match_bench *b)
{
	uint64_t	z;

	z = (b->rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static size_t
match_below(struct match_bench *b, size_t n)
{
	return (size_t)(match_next(b) % n);
}

static const struct match_noc *
match_pick_noc(struct match_bench *b)
{
	int	r;
	size_t	i;

	r = (int)match_below(b, (size_t)b->noc_total);
	for (i = 0; i < MATCH_NNOCS - 1 && r >= match_nocs[i].weight; i++)
		r -= match_nocs[i].weight;
	return &match_nocs[i];
}

/* A territory index, by profile (want) or posting weights. */
static size_t
match_pick_place(struct match_bench *b, int posting)
{
	int	total = 0, r, w;
	size_t	i;

	for (i = 0; i < MATCH_NPLACES; i++)
		total += posting ? match_places[i].post : match_places[i].want;
	r = (int)match_below(b, (size_t)total);
	for (i = 0; i < MATCH_NPLACES - 1; i++) {
		w = posting ? match_places[i].post : match_places[i].want;
		if (r < w)
			break;
		r -= w;
	}
	return i;
}

/*
 * Appends count distinct skills of category cat to a, some written in
 * lower case (ASCII letters only: accents stay, as people type them).
 */
static void
match_pick_skills(struct match_bench *b, json_t *a, int cat, size_t count)
{
	const char *const	*v = match_vocab[cat];
	char			 s[128];
	size_t			 n, i, k, tries;

	for (n = 0; v[n] != NULL; n++)
		;
	for (tries = 0; json_array_size(a) < count && tries < 64; tries++) {
		k = match_below(b, n);
		snprintf(s, sizeof s, "%s", v[k]);
		if (match_below(b, 4) == 0) {
			for (i = 0; s[i] != '\0'; i++)
				if (s[i] >= 'A' && s[i] <= 'Z')
					s[i] = (char)(s[i] - 'A' + 'a');
		}
		for (i = 0; i < json_array_size(a); i++) {
			if (strcasecmp(json_string_value(json_array_get(a, i)),
			    s) == 0)
				break;
		}
		if (i == json_array_size(a))
			json_array_append_new(a, json_string(s));
	}
}

/* Queues profile k's writes, as S.arrived makes them for a consent to share. */
static int
match_profile(struct match_bench *b, unsigned long k, size_t *ncmds)
{
	const struct match_noc	*noc;
	const struct match_langs *l;
	json_t			*skills, *langs;
	char			 id[40], month[8], *rec, *key;
	size_t			 i, nwant, want[2];
	int			 r, cat, rc = 0;

	noc = match_pick_noc(b);
	cat = noc->code[0] - '0';
	skills = json_array();
	match_pick_skills(b, skills, cat, 2 + match_below(b, 5));
	/* one in ten lists a skill from another trade */
	if (match_below(b, 10) == 0)
		match_pick_skills(b, skills, (int)match_below(b, 10),
		    json_array_size(skills) + 1);
	r = (int)match_below(b, 100);
	for (l = match_langs; r >= l->weight; l++)
		r -= l->weight;
	langs = json_array();
	for (i = 0; i < 2 && l->l[i] != NULL; i++)
		json_array_append_new(langs, json_string(l->l[i]));
	k %= 30;	/* arrivals over 30 months, from 2024-06 */
	snprintf(month, sizeof month, "%04lu-%02lu", 2024 + (5 + k) / 12,
	    (5 + k) % 12 + 1);
	snprintf(id, sizeof id, "%08x-%04x-4%03x-%04x-%012llx",
	    (unsigned)match_next(b), (unsigned)(match_next(b) & 0xffff),
	    (unsigned)(match_next(b) & 0xfff),
	    (unsigned)(0x8000 | (match_next(b) & 0x3fff)),
	    (unsigned long long)(match_next(b) & 0xffffffffffffULL));
	rec = match_record(noc->code, skills, match_names[match_below(b,
	    sizeof match_names / sizeof match_names[0])], langs, month);
	json_decref(skills);
	json_decref(langs);

	want[0] = match_pick_place(b, 0);
	nwant = 1;
	if (match_below(b, 10) < 4 && (want[1] = match_pick_place(b, 0)) !=
	    want[0])
		nwant = 2;
	for (i = 0; i < nwant && rc == 0; i++) {
		key = handler_key(b->cf, "mx:p:%s:%c", match_places[want[i]].id,
		    noc->code[0]);
		if (redisAppendCommand(b->c, "HSET %s %s %s", key, id,
		    rec) != REDIS_OK)
			rc = -1;
		free(key);
		(*ncmds)++;
	}
	free(rec);
	return rc;
}

/* Reads count pipelined replies; -1 on an error among them. */
static int
match_replies(struct match_bench *b, size_t count)
{
	redisReply	*reply;
	size_t		 i;
	int		 rc = 0;

	for (i = 0; i < count; i++) {
		if (redisGetReply(b->c, (void **)&reply) != REDIS_OK) {
			fprintf(stderr, "bench-match: %s\n", b->c->errstr);
			return -1;
		}
		if (reply->type == REDIS_REPLY_ERROR) {
			fprintf(stderr, "bench-match: %s\n", reply->str);
			rc = -1;
		}
		freeReplyObject(reply);
	}
	return rc;
}

/* A command's reply, or NULL (said on stderr) on an error. */
static redisReply *
match_command(struct match_bench *b, const char *cmd)
{
	redisReply	*reply;

	if ((reply = redisCommand(b->c, cmd)) == NULL) {
		fprintf(stderr, "bench-match: %s: %s\n", cmd, b->c->errstr);
		return NULL;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		fprintf(stderr, "bench-match: %s: %s\n", cmd, reply->str);
		freeReplyObject(reply);
		return NULL;
	}
	return reply;
}

/*
 * A number of "INFO section": the value of field on the line that starts
 * with line (NULL: any line); -1 when absent.
 */
static long long
match_info(struct match_bench *b, const char *section, const char *line,
    const char *field)
{
	redisReply	*reply;
	char		 cmd[64];
	const char	*p = NULL, *eol;
	long long	 v = -1;

	snprintf(cmd, sizeof cmd, "INFO %s", section);
	if ((reply = match_command(b, cmd)) == NULL)
		return -1;
	if (reply->type == REDIS_REPLY_STRING)
		p = line != NULL ? strstr(reply->str, line) : reply->str;
	eol = p != NULL && line != NULL ? strchr(p, '\n') : NULL;
	if (p != NULL && (p = strstr(p, field)) != NULL &&
	    (eol == NULL || p < eol))
		v = strtoll(p + strlen(field), NULL, 10);
	freeReplyObject(reply);
	return v;
}

/* Stores the N profiles, pipelined, and says how long it took. */
static int
match_load(struct match_bench *b)
{
	double		 t0, t1;
	unsigned long	 k = 0, batch;
	size_t		 ncmds, total = 0;

	t0 = match_now_ms();
	while (k < b->n) {
		ncmds = 0;
		for (batch = 0; batch < MATCH_BATCH && k < b->n; batch++, k++) {
			if (match_profile(b, k, &ncmds) == -1) {
				fprintf(stderr, "bench-match: %s\n",
				    b->c->errstr);
				return -1;
			}
		}
		if (match_replies(b, ncmds) == -1)
			return -1;
		total += ncmds;
	}
	t1 = match_now_ms();
	printf("match: stored %lu profiles (%zu index entries) in %.2f s, "
	    "Redis used_memory %.1f MiB\n", b->n, total,
	    (t1 - t0) / 1e3, match_info(b, "memory", NULL, "used_memory:") /
	    1048576.0);
	return 0;
}

/* Loads the handlers' state functions with the tail, as the daemon does. */
static int
match_script(struct match_bench *b)
{
	redisReply	*reply;
	struct buf	 s;
	int		 rc = -1;

	buf_init(&s);
	buf_puts(&s, store_state_lua);
	buf_puts(&s, match_tail_lua);
	reply = redisCommand(b->c, "SCRIPT LOAD %b", s.data, s.len);
	buf_free(&s);
	if (reply == NULL)
		fprintf(stderr, "bench-match: SCRIPT LOAD: %s\n", b->c->errstr);
	else if (reply->type != REDIS_REPLY_STRING || reply->len != 40)
		fprintf(stderr, "bench-match: SCRIPT LOAD: %s\n",
		    reply->type == REDIS_REPLY_ERROR ? reply->str : "no sha");
	else {
		memcpy(b->sha, reply->str, 41);
		rc = 0;
	}
	freeReplyObject(reply);
	return rc;
}

/*
 * A job.posted event for noc in territory place, decoded as the daemon
 * decodes what it reads; -1 (said on stderr) when it does not decode.
 */
static int
match_event(struct match_bench *b, const struct match_noc *noc, size_t place,
    struct envelope *ev)
{
	json_t		*e, *skills;
	char		 id[64], job[64], eid[64], email[96], closes[16];
	char		 reason[256], *s;
	time_t		 t = time(NULL) + 30 * 86400;
	struct tm	 tm;
	size_t		 k = b->posted++, emp;
	int		 rc;

	skills = json_array();
	match_pick_skills(b, skills, noc->code[0] - '0', 2 + match_below(b, 4));
	emp = match_below(b, 60);
	snprintf(id, sizeof id, "bench-match-%zu", k);
	snprintf(job, sizeof job, "j-bench-%zu", k);
	snprintf(eid, sizeof eid, "e-bench-%02zu", emp);
	snprintf(email, sizeof email, "rh.%02zu@employeur.example", emp);
	gmtime_r(&t, &tm);
	strftime(closes, sizeof closes, "%Y-%m-%d", &tm);
	e = json_pack("{s:s, s:s, s:s, s:s, s:{s:{s:s, s:s, s:s, s:o, s:s, "
	    "s:s}, s:{s:s, s:s, s:{s:s, s:s, s:s}}}}",
	    "specversion", "1.0", "id", id,
	    "source", "https://bench.relais.example/match",
	    "type", "job.posted", "data",
	    "job", "id", job, "title", noc->title, "occupation", noc->code,
	    "skills", skills, "territory", match_places[place].id,
	    "closes_at", closes,
	    "employer", "id", eid, "name", "Employeur fictif",
	    "contact", "name", "Responsable RH", "email", email,
	    "language", emp % 5 == 4 ? "en" : "fr");
	if (e == NULL || (s = json_dumps(e, JSON_COMPACT)) == NULL) {
		fprintf(stderr, "bench-match: cannot encode a posting\n");
		json_decref(e);
		return -1;
	}
	json_decref(e);
	rc = envelope_parse(s, strlen(s), &(struct envelope_limits){
	    (size_t)b->cf->limits.max_event_bytes,
	    (int)b->cf->limits.max_depth }, ev, reason, sizeof reason);
	if (rc == -1)
		fprintf(stderr, "bench-match: posting %s: %s\n", id, reason);
	free(s);
	return rc;
}

/* Redis answer to the parsed state: kept apart so each phase is timed. */
static int
match_decode(const redisReply *reply, json_t **state)
{
	json_error_t	err;

	if (reply->type != REDIS_REPLY_STRING) {
		fprintf(stderr, "bench-match: state script: %s\n",
		    reply->type == REDIS_REPLY_ERROR ? reply->str :
		    "not a string");
		return -1;
	}
	if ((*state = json_loadb(reply->str, reply->len, 0, &err)) == NULL) {
		fprintf(stderr, "bench-match: state answer: %s\n", err.text);
		return -1;
	}
	return 0;
}

/* EVALSHA of the state script with a state function's arguments. */
static size_t
match_argv(const struct match_bench *b, const struct handler_state *st,
    const char ***argvp, size_t **lensp)
{
	const char	**argv;
	size_t		 *lens, i, argc;

	argc = 5 + handler_state_nargs(st);
	argv = xcalloc(argc, sizeof *argv);
	lens = xcalloc(argc, sizeof *lens);
	argv[0] = "EVALSHA";
	argv[1] = b->sha;
	argv[2] = "0";
	argv[3] = b->prefix;
	argv[4] = st->fn;
	for (i = 0; i < 5; i++)
		lens[i] = strlen(argv[i]);
	for (i = 5; i < argc; i++)
		argv[i] = handler_state_arg(st, i - 5, &lens[i]);
	*argvp = argv;
	*lensp = lens;
	return argc;
}

/*
 * One posting through the daemon's path: posting_prepare's arguments,
 * the reads and the state script pipelined, the rows, match_rank; timed
 * per phase.
 */
static int
match_post(struct match_bench *b, const struct match_noc *noc, size_t place,
    struct match_sample *sm)
{
	struct handler_ctx	 ctx;
	struct handler_state	 st;
	struct handler_rows	 rows[HANDLER_READS_MAX];
	redisReply		*replies[HANDLER_READS_MAX + 1] = { NULL };
	const char		**rv[HANDLER_READS_MAX] = { NULL };
	size_t			*rl[HANDLER_READS_MAX] = { NULL }, i;
	struct envelope		 ev;
	struct match_hit	*hits = NULL;
	redisReply		*reply = NULL;
	json_t			*state = NULL;
	const char		**argv = NULL;
	size_t			*lens = NULL, argc;
	char			 reason[256], *skills;
	double			 t0, t1, t2, t3, t4;
	long long		 usec;
	int			 rc = -1;

	memset(&ev, 0, sizeof ev);
	memset(&ctx, 0, sizeof ctx);
	memset(&st, 0, sizeof st);
	memset(rows, 0, sizeof rows);
	ctx.cf = b->cf;
	memset(sm, 0, sizeof *sm);
	if (match_event(b, noc, place, &ev) == -1)
		goto fail;
	ctx.now_ms = (int64_t)time(NULL) * 1000;
	if (handler_job_posted.prepare(&ev, &ctx, &st, reason,
	    sizeof reason) == -1) {
		fprintf(stderr, "bench-match: posting_prepare: %s\n", reason);
		goto fail;
	}
	argc = match_argv(b, &st, &argv, &lens);
	/* as the daemon: the reads (HGETALL) and the state script, pipelined */
	t0 = match_now_ms();
	for (i = 0; i < st.nreads; i++)
		redisAppendCommand(b->c, "HGETALL %s", st.reads[i]);
	redisAppendCommandArgv(b->c, (int)argc, argv, lens);
	for (i = 0; i < st.nreads + 1; i++) {
		if (redisGetReply(b->c, (void **)&replies[i]) != REDIS_OK ||
		    replies[i] == NULL || replies[i]->type == REDIS_REPLY_ERROR) {
			fprintf(stderr, "bench-match: reply %zu: %s\n", i,
			    replies[i] != NULL ? replies[i]->str : b->c->errstr);
			goto fail;
		}
	}
	t1 = match_now_ms();
	reply = replies[st.nreads];
	if (match_decode(reply, &state) == -1)
		goto fail;
	/* what the queue hands the handler: the strings of each reply */
	for (i = 0; i < st.nreads; i++) {
		size_t k;

		rv[i] = xcalloc(replies[i]->elements + 1, sizeof *rv[i]);
		rl[i] = xcalloc(replies[i]->elements + 1, sizeof *rl[i]);
		for (k = 0; k < replies[i]->elements; k++) {
			rv[i][k] = replies[i]->element[k]->str;
			rl[i][k] = replies[i]->element[k]->len;
			sm->bytes += rl[i][k];
		}
		rows[i].v = rv[i];
		rows[i].len = rl[i];
		rows[i].n = replies[i]->elements / 2;
	}
	t2 = match_now_ms();
	skills = match_skills_folded(json_object_get(json_object_get(ev.data,
	    "job"), "skills"));
	sm->hits = match_rank(&b->cf->matching, noc->code, skills, &rows[0],
	    &rows[1], ev.id, &hits);
	free(skills);
	t3 = match_now_ms();
	sm->cands = rows[0].n;
	free(hits);
	json_decref(state);
	state = NULL;
	for (i = 0; i < st.nreads + 1; i++) {
		freeReplyObject(replies[i]);
		replies[i] = NULL;
	}
	for (i = 0; i < st.nreads; i++) {
		free(rv[i]);
		free(rl[i]);
		rv[i] = NULL;
		rl[i] = NULL;
	}
	reply = NULL;
	t4 = match_now_ms();

	sm->total = t4 - t0;
	sm->redis = t1 - t0;
	sm->decode = t2 - t1;
	sm->rank = t3 - t2;
	sm->release = t4 - t3;
	/* Redis's own count of the script's time, read outside the timing */
	usec = match_info(b, "commandstats", "cmdstat_evalsha:", ",usec=");
	if (usec >= b->lua_usec) {
		sm->lua = (usec - b->lua_usec) / 1e3;
		b->lua_usec = usec;
	}
	rc = 0;
fail:
	json_decref(state);
	for (i = 0; i < HANDLER_READS_MAX + 1; i++)
		freeReplyObject(replies[i]);
	for (i = 0; i < HANDLER_READS_MAX; i++) {
		free(rv[i]);
		free(rl[i]);
	}
	free(argv);
	free(lens);
	handler_state_clear(&st);
	envelope_clear(&ev);
	return rc;
}

static int
match_cmp_double(const void *x, const void *y)
{
	double	a = *(const double *)x, c = *(const double *)y;

	return (a > c) - (a < c);
}

/* Nearest-rank percentile q of v[0..n), sorted. */
static double
match_rankq(const double *v, size_t n, double q)
{
	size_t	i;

	i = (size_t)ceil(q * (double)n);
	if (i < 1)
		i = 1;
	return v[i - 1];
}

/* Prints the figures of n samples next to the budget. */
static void
match_report(const char *what, const struct match_sample *s, size_t n,
    int median)
{
	double		*tot, sum[6] = { 0 }, cands = 0, hits = 0, p50, p99;
	size_t		 i, maxc = 0;

	tot = xcalloc(n, sizeof *tot);
	for (i = 0; i < n; i++) {
		tot[i] = s[i].total;
		sum[0] += s[i].redis;
		sum[1] += s[i].lua;
		sum[2] += s[i].decode;
		sum[3] += s[i].rank;
		sum[4] += s[i].release;
		sum[5] += (double)s[i].bytes;
		cands += (double)s[i].cands;
		hits += (double)s[i].hits;
		if (s[i].cands > maxc)
			maxc = s[i].cands;
	}
	qsort(tot, n, sizeof *tot, match_cmp_double);
	p50 = match_rankq(tot, n, 0.50);
	p99 = match_rankq(tot, n, 0.99);
	printf("match: %s: p50 %.1f ms, p99 %.1f ms, max %.1f ms "
	    "(candidates compared: mean %.0f, max %zu; matches: mean %.0f) "
	    "-- budget %.0f ms%s: %s\n", what, p50, p99, tot[n - 1],
	    cands / n, maxc, hits / n, MATCH_BUDGET_MS,
	    median ? " (median)" : "",
	    (median ? p50 : p99) <= MATCH_BUDGET_MS ? "OK" : "MISSED");
	printf("match:   mean per posting: Redis %.2f ms (script %.2f, "
	    "transfer+hiredis %.2f), rows %.2f ms, rank %.2f ms, "
	    "free %.2f ms; read %.0f KiB\n", sum[0] / n, sum[1] / n,
	    (sum[0] - sum[1]) / n, sum[2] / n, sum[3] / n, sum[4] / n,
	    sum[5] / n / 1024);
	free(tot);
}

/* M random postings (after a few not counted), then the report. */
static int
match_postings(struct match_bench *b)
{
	struct match_sample	*s, warm;
	const struct match_noc	*noc;
	char			 what[96];
	unsigned long		 i;

	s = xcalloc(b->m, sizeof *s);
	for (i = 0; i < MATCH_WARMUP + b->m; i++) {
		noc = match_pick_noc(b);
		if (match_post(b, noc, match_pick_place(b, 1), i < MATCH_WARMUP ?
		    &warm : &s[i - MATCH_WARMUP]) == -1) {
			free(s);
			return -1;
		}
	}
	snprintf(what, sizeof what, "%lu profiles, %lu postings", b->n, b->m);
	match_report(what, s, b->m, 0);
	free(s);
	return 0;
}

/* The biggest (territory, broad category) set; its heaviest unit group. */
static int
match_worst(struct match_bench *b)
{
	struct match_sample	*s;
	const struct match_noc	*noc = NULL;
	redisReply		*reply;
	char			 cmd[160], what[160], *key;
	long long		 best = -1;
	size_t			 i, place = 0, d, bestd = 0;

	for (i = 0; i < MATCH_NPLACES; i++) {
		for (d = 0; d < 10; d++) {
			key = handler_key(b->cf, "mx:p:%s:%zu",
			    match_places[i].id, d);
			snprintf(cmd, sizeof cmd, "HLEN %s", key);
			free(key);
			if ((reply = match_command(b, cmd)) == NULL)
				return -1;
			if (reply->integer > best) {
				best = reply->integer;
				place = i;
				bestd = d;
			}
			freeReplyObject(reply);
		}
	}
	for (i = 0; i < MATCH_NNOCS; i++) {
		if (match_nocs[i].code[0] - '0' == (int)bestd && (noc == NULL ||
		    match_nocs[i].weight > noc->weight))
			noc = &match_nocs[i];
	}
	s = xcalloc(b->worst, sizeof *s);
	for (i = 0; i < b->worst; i++) {
		if (match_post(b, noc, place, &s[i]) == -1) {
			free(s);
			return -1;
		}
	}
	snprintf(what, sizeof what, "worst case, %s:%zu (%lld profiles), NOC "
	    "%s, %lu runs", match_places[place].id, bestd, best, noc->code,
	    b->worst);
	match_report(what, s, b->worst, 1);
	free(s);
	return 0;
}

/* Connects, refuses a database in use, loads the config's scores. */
static int
match_setup(struct match_bench *b, const char *sock, const char *path)
{
	struct diag	 diag;
	redisReply	*reply;
	size_t		 i;

	diag_init(&diag);
	if ((b->cf = config_load(path, &diag)) == NULL) {
		for (i = 0; i < diag.n; i++)
			fprintf(stderr, "%s\n", diag.msgs[i]);
		diag_free(&diag);
		return -1;
	}
	diag_free(&diag);
	for (i = 0; i < MATCH_NPLACES; i++) {
		if (territory_find(b->cf->territories, match_places[i].id) ==
		    NULL) {
			fprintf(stderr, "bench-match: %s has no territory %s\n",
			    path, match_places[i].id);
			return -1;
		}
	}
	b->prefix = b->cf->redis.prefix;
	b->c = redisConnectUnix(sock);
	if (b->c == NULL || b->c->err) {
		fprintf(stderr, "bench-match: connect %s: %s\n", sock,
		    b->c != NULL ? b->c->errstr : "out of memory");
		return -1;
	}
	if ((reply = match_command(b, "DBSIZE")) == NULL)
		return -1;
	if (reply->integer != 0) {
		fprintf(stderr, "bench-match: refusing to run against a "
		    "non-empty database (%lld keys)\n", reply->integer);
		freeReplyObject(reply);
		return -1;
	}
	freeReplyObject(reply);
	for (i = 0; i < MATCH_NNOCS; i++)
		b->noc_total += match_nocs[i].weight;
	return match_script(b);
}

int
main(int argc, char *argv[])
{
	struct match_bench	 b;
	const char		*sock = NULL, *path = "config/relais.yaml";
	int			 ch, rc = 1;

	memset(&b, 0, sizeof b);
	b.n = 100000;
	b.m = 200;
	b.worst = 20;
	b.rng = MATCH_SEED;
	while ((ch = getopt(argc, argv, "s:c:n:m:w:")) != -1) {
		switch (ch) {
		case 's':
			sock = optarg;
			break;
		case 'c':
			path = optarg;
			break;
		case 'n':
			b.n = match_ulong(optarg);
			break;
		case 'm':
			b.m = match_ulong(optarg);
			break;
		case 'w':
			b.worst = match_ulong(optarg);
			break;
		default:
			match_usage();
		}
	}
	if (optind != argc || sock == NULL)
		match_usage();
	log_init("bench-match", 0);
	if (match_setup(&b, sock, path) == 0 && match_load(&b) == 0 &&
	    match_postings(&b) == 0 && match_worst(&b) == 0)
		rc = 0;
	if (b.c != NULL)
		redisFree(b.c);
	config_free(b.cf);
	return rc;
}
