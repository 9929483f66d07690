/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpx-tree-internal.h - what the files of the SMTPX tree share
 * (smtpx-tree.c, smtpx-tree-items.c, smtpx-tree-commands.c,
 * smtpx-tree-verdict.c, smtpx-tree-message.c).  Not used elsewhere: the
 * rest of the glue calls smtpx_tree_build (packet-smtpx.h).
 *
 * Conventions: tvb is the frame's data (or the reassembled data) the
 * record's events point into; start/len are octets of that tvb, already
 * clamped by smtpx_tree_event_span; strings are NUL-terminated UTF-8 from
 * the core (smtpx_printable), never packet bytes; items are added to tree
 * (which may be NULL: proto_tree_add_* then do nothing); packet-scope
 * memory only (SMTPX_PACKET_POOL).
 */
#ifndef SMTPX_TREE_INTERNAL_H
#define SMTPX_TREE_INTERNAL_H

/*
 * Labels stay under ITEM_LABEL_LENGTH (240 bytes, where Wireshark cuts and
 * marks "[truncated]"): a value longer than SMTPX_SHOW_MAX is shown as its
 * start and its length; the field keeps the whole value (filters, -T fields).
 */
#define SMTPX_SHOW_MAX 160

/* One reply line in the tvb: where it starts, its text (after code and
 * separator) and its length without CRLF. */
typedef struct {
    gint start;
    gint text;
    gint end;
} line_span_t;

/* Info column tags by anomaly kind (anomalies.def), NULL for none. */
extern const char *const smtpx_tree_info_tags[];

/* smtpx-tree-items.c */
void smtpx_tree_add_anomalies(packet_info *pinfo, tvbuff_t *tvb, gint at,
                              proto_item *item, proto_item *verdict_item,
                              const smtpx_event_t *ev, guint32 *tags);
proto_item *smtpx_tree_add_generated_boolean(proto_tree *tree, int hf,
                                             tvbuff_t *tvb, gint at, gboolean v);
proto_item *smtpx_tree_add_generated_string(proto_tree *tree, int hf,
                                            tvbuff_t *tvb, gint at,
                                            const char *s);
/* Appends the decimal digits of v to s, as g_string_append_printf(s, "%u", v)
 * does without a printf per call (summaries are built for every frame
 * shown). */
void smtpx_tree_append_uint(GString *s, guint v);

proto_item *smtpx_tree_add_string(proto_tree *tree, int hf, tvbuff_t *tvb,
                                  gint start, gint len, const char *v);
void smtpx_tree_add_text_lines(proto_tree *tree, tvbuff_t *tvb, gint start,
                               gint len, const char *prefix, const char *text);
const guint8 *smtpx_tree_event_bytes(tvbuff_t *tvb, const smtpx_record_t *rec,
                                     guint i, gint start, gint len);
void smtpx_tree_event_span(tvbuff_t *tvb, const smtpx_record_t *rec, guint i,
                           gint *start, gint *len);
gint smtpx_tree_line_body(const guint8 *p, gint len);
guint smtpx_tree_reply_lines(const guint8 *p, gint start, gint len,
                             line_span_t *out, guint n_out);
const char *smtpx_tree_show_value(const char *v);

/* smtpx-tree-commands.c */
proto_item *smtpx_tree_build_command(proto_tree *tree, tvbuff_t *tvb,
                                     gint start, gint len,
                                     const smtpx_command_event_t *c,
                                     const guint8 *raw);
proto_item *smtpx_tree_build_reply(proto_tree *tree, packet_info *pinfo,
                                   tvbuff_t *tvb, gint start, gint len,
                                   const smtpx_reply_event_t *r,
                                   const guint8 *raw, GString *summary);
gboolean smtpx_tree_info_is_data(packet_info *pinfo);

/* smtpx-tree-verdict.c */
proto_tree *smtpx_tree_build_verdict(proto_tree *tree, packet_info *pinfo,
                                     tvbuff_t *tvb, gint start, gint len,
                                     const smtpx_verdict_t *v,
                                     gboolean generated,
                                     const smtpx_author_verdict_t *av,
                                     proto_item **forged_item);
void smtpx_tree_verdict_summary(GString *out, const smtpx_verdict_t *v,
                                const smtpx_author_verdict_t *av);
void smtpx_tree_verdict_words(GString *out, const smtpx_verdict_t *v,
                              const smtpx_author_verdict_t *av);

/* smtpx-tree-message.c */
void smtpx_tree_add_from_here(proto_tree *st, packet_info *pinfo,
                              tvbuff_t *tvb, gint start, gint len,
                              const smtpx_message_event_t *m, GString *summary);
proto_item *smtpx_tree_build_message(proto_tree *tree, packet_info *pinfo,
                                     tvbuff_t *tvb, gint start, gint len,
                                     const smtpx_record_t *rec,
                                     const smtpx_message_event_t *m,
                                     GString *summary,
                                     proto_item **verdict_item);
proto_item *smtpx_tree_build_txn(proto_tree *tree, packet_info *pinfo,
                                 tvbuff_t *tvb, const smtpx_event_t *ev,
                                 GString *summary);

#endif /* SMTPX_TREE_INTERNAL_H */
