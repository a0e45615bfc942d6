/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Placeholder: being written (console work, #16). */
#include "console.h"

void
console_page_dead_list(struct console_req *r)
{
	console_reply_error(r, 404, "not written yet");
}

void
console_page_dead_show(struct console_req *r)
{
	console_reply_error(r, 404, "not written yet");
}

void
console_page_dead_replay(struct console_req *r)
{
	console_reply_error(r, 404, "not written yet");
}

void
console_page_dead_drop(struct console_req *r)
{
	console_reply_error(r, 404, "not written yet");
}

void
console_page_optouts(struct console_req *r)
{
	console_reply_error(r, 404, "not written yet");
}

void
console_page_optouts_add(struct console_req *r)
{
	console_reply_error(r, 404, "not written yet");
}

void
console_page_optouts_remove(struct console_req *r)
{
	console_reply_error(r, 404, "not written yet");
}
