/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * A person everywhere relais keeps them (Law 25): relaisctl forget erases
 * them, relaisctl export tells them what is held. Both go through one
 * search (forget_walk.c, with daemon/pii.c's byte matcher), so
 * that an export lists exactly what a forget would erase.
 *
 * Their own keys: the profile, pending follow-ups, the dedupe markers of
 * their follow-ups. Where they are listed among others, by their id: the
 * matching index, counsellors' caseloads and reminders, employers' ledgers
 * and digests, every territory's open follow-ups (followups-open:*,
 * "<kind>:<id>"; export lists them as followups_open).
 * Where their data travels in bytes, found by id, email or phone, read as
 * bytes (not parsed: a letter that is not JSON or not UTF-8 is found too):
 * scheduled members, dead letters, unread and pending stream entries, inbox
 * items; and the delivery records of the events so found (the stream keeps
 * masked addresses: they are tied to the person by their event ids).
 *
 * The suppression list and the consent history stay on forget: an opt-out
 * must outlive the person's data. Export shows them for the addresses it
 * knows. Synchronous: for relaisctl, not the loop. The caller keeps the
 * struct pii; the profile's address and phone are added to it.
 */
#ifndef RELAIS_FORGET_H
#define RELAIS_FORGET_H

#include <hiredis/hiredis.h>
#include <jansson.h>

struct config;
struct pii;

struct forget_report {
	long long	person;		/* 1 when a stored profile was found */
	long long	followups;	/* pending follow-ups cancelled, open ones */
	long long	index;		/* matching index entries */
	long long	caseload;
	long long	ledgers;	/* employers' announcement ledgers */
	long long	digests;	/* pending digest entries */
	long long	reminders;	/* follow-ups awaiting a reminder email */
	long long	scheduled;	/* retries carrying their events */
	long long	dead;		/* dead letters carrying their events */
	long long	events;		/* unread stream entries and inbox items */
	long long	deliveries;	/* delivery records of their events */
	long long	seen;		/* dedupe markers of their follow-ups */
};

/* Erases; 0 with what was removed, or -1 with a message in err. */
int	forget_person(redisContext *, const struct config *, struct pii *,
	    struct forget_report *, char *err, size_t errlen);

/*
 * Reads, changing nothing: *doc is a new JSON object of all that is held
 * (see relaisctl(1)) and *found the number of things in it. 0, or -1 with
 * a message in err.
 */
int	forget_export(redisContext *, const struct config *, struct pii *,
	    json_t **doc, size_t *found, char *err, size_t errlen);

#endif
