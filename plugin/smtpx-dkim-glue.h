/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpx-dkim-glue.h - the epan side of DKIM verification (issue 8): fields,
 * expert infos, the smtpx.dkim_keys preference, keys from DNS answers in
 * the capture, and the three-state author verdict shown in the tree.
 * packet-smtpx.c calls these few hooks; everything else is in
 * smtpx-dkim-glue.c and plugin/core/dkim*.
 */
#ifndef SMTPX_DKIM_GLUE_H
#define SMTPX_DKIM_GLUE_H

#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/prefs.h>

#include "session.h"
#include "dkim.h"

/* proto_register_smtpx: fields, subtrees, expert infos, preference. */
void smtpx_dkim_glue_register(int proto, module_t *prefs);

/* Every SMTPX dissector call: the first one of a file starts watching DNS
 * answers (see smtpx-dkim-glue.c for why only then). */
void smtpx_dkim_glue_seen_smtp(void);

/*
 * The author verdict of message m as this pass knows it: on the first pass
 * with the keys seen so far, on later passes with every key of the capture.
 * NULL when it is not decided yet: on the first pass, outside the frame of
 * the final reply (final FALSE), while only an unverifiable signature
 * backs the author (the body, or the key the MTA fetches before its reply,
 * may still come).  *results (may be NULL) gets the DKIM results.  Both are
 * owned by the glue and valid until the dissection of this frame ends (on
 * the first pass a message's entry is dropped after its final reply frame;
 * later passes evaluate it again).
 */
const smtpx_author_verdict_t *smtpx_dkim_glue_verdict(packet_info *pinfo,
                                                      const smtpx_message_event_t *m,
                                                      gboolean final,
                                                      const GPtrArray **results);

/*
 * Adds smtpx.from.verdict and smtpx.from.dkim_verified to vt (the verdict
 * subtree), one smtpx.dkim subtree per signature and, in the message frame
 * (message_frame TRUE), the Authentication-Results fields and the expert
 * infos: ei_forged (smtpx.analysis.forged_from) on verdict_item when DKIM
 * decided a forged or unverified author, failing aligned signature, l=
 * shorter than the body.  hdr_from: where the header section's bytes
 * start in tvb (they end at start + len), or -1 when they are not in it;
 * then each signature's items lie on its DKIM-Signature field and tags
 * (issue 11), else they are generated on the message event.  Returns the
 * Info column tag to add ("unverified From", "forged From") or NULL.
 */
const char *smtpx_dkim_glue_tree(proto_tree *vt, proto_tree *mt, tvbuff_t *tvb,
                                 packet_info *pinfo, gint start, gint len, gint hdr_from,
                                 const smtpx_message_event_t *m,
                                 const smtpx_author_verdict_t *av,
                                 const GPtrArray *results, proto_item *verdict_item,
                                 gboolean message_frame, expert_field *ei_forged);

/* smtpx-tree.c: where header field name (with its colon, e.g.
 * "DKIM-Signature:") starts at a line start in bytes [from, to) of tvb, with
 * its continuation lines and without the final CRLF (RFC 5322 2.2.3); FALSE
 * when absent or the range is not in the tvb. */
gboolean smtpx_tree_find_field(tvbuff_t *tvb, gint from, gint to, const char *name,
                               gint *fs, gint *fl);
/* smtpx-tree.c: the value of tag (case-insensitive name) in the tag list of
 * the field at (fs, fl) (RFC 6376 3.2), without the white space around it;
 * FALSE when absent. */
gboolean smtpx_tree_find_tag(tvbuff_t *tvb, gint fs, gint fl, const char *tag,
                             gint *vs, gint *vl);
/* smtpx-tree.c: the short expert message of forged_from ("From FORGED:
 * envelope invalid, no DKIM (reasons in the verdict)"), packet scope; av
 * NULL while DKIM may still decide. */
const char *smtpx_tree_forged_text(packet_info *pinfo, const smtpx_verdict_t *v,
                                   const smtpx_author_verdict_t *av);

/* The anomaly kinds (guint smtpx_anomaly_kind_t values) the DKIM glue
 * raised as expert infos in this frame so far, or NULL: the statistics count
 * them beside the session's own.  Packet scope (pinfo->pool); do not free. */
wmem_array_t *smtpx_dkim_glue_raised(packet_info *pinfo);

#endif /* SMTPX_DKIM_GLUE_H */
