/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Placeholder: being written (console work, #16). */
