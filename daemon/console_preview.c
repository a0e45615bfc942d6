/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Placeholder: being written (console work, #16). */
#include "console.h"

void
console_page_templates(struct console_req *r)
{
	console_reply_error(r, 404, "not written yet");
}
