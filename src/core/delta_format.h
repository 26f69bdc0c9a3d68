/* The delta format's constants, shared by the decoder (core) and the
 * encoder (`ota delta`). docs/delta.md describes the format. */
#ifndef OTA_CORE_DELTA_FORMAT_H
#define OTA_CORE_DELTA_FORMAT_H

#define OTA_DELTA_MAGIC "\xd0\x7a" /* two bytes: every delta pays for them */
#define OTA_DELTA_VERSION 1

#define OTA_DELTA_LC_MAX 1          /* literal context bits (measured: more
                                       do not pay, matched literals rule) */
#define OTA_DELTA_WINDOW_LOG_MIN 8
#define OTA_DELTA_WINDOW_LOG_MAX 13 /* 8 KiB of output kept for references */
#define OTA_DELTA_SOURCES_MAX 4
#define OTA_DELTA_SIZE_MAX 0x7fffffffu /* largest output or source */
#define OTA_DELTA_SPACE_MAX 0xffffffffu /* sources and output together */

/* The magic, a byte of version (high 3 bits), lc (next 2) and window_log
 * minus 8 (low 3), the new size (varint), the new id, the source count,
 * then per source its size (varint) and id. An id is the first bytes of
 * the git blob id: enough to catch a delta applied to the wrong file (the
 * output is verified by its whole blob id anyway). */
#define OTA_DELTA_ID_LEN 4
#define OTA_DELTA_HEADER_MAX (3 + 5 + OTA_DELTA_ID_LEN + 1 + \
                              OTA_DELTA_SOURCES_MAX * (5 + OTA_DELTA_ID_LEN))

#define OTA_DELTA_CACHE 256         /* source bytes cached by the decoder */
#define OTA_DELTA_IN_MAX 256        /* decoder input buffer */
#define OTA_DELTA_PACKET_MAX 64     /* most input one packet can need */
#define OTA_DELTA_FLUSH 512         /* output written in pieces of this */

/* The range coder: 11-bit probabilities, adapting by 1/16 (deltas are
 * short: fast adaptation measured 2% smaller than 1/32). */
#define OTA_RC_BITS 11
#define OTA_RC_ONE (1u << OTA_RC_BITS)
#define OTA_RC_MOVE 4
#define OTA_RC_TOP (1u << 24)

/* Packets: a literal, a match (length, distance), a repeat of one of the
 * four last distances (length), or a one-byte repeat of the last. The
 * state remembers the last few kinds (12 states, 7 and up: after a match). */
#define OTA_DELTA_STATES 12
#define OTA_DELTA_POS_STATES 1      /* models by output position: one (text
                                       gains nothing from more) */
#define OTA_DELTA_LEN_MIN 2
#define OTA_DELTA_LEN_LOW 8         /* lengths 2-9 */
#define OTA_DELTA_LEN_MID 8         /* 10-17 */
#define OTA_DELTA_LEN_HIGH 256      /* 18-273; the last means "longer": */
#define OTA_DELTA_LEN_EXT_BITS 5    /*   a bit count n, then n raw bits */
#define OTA_DELTA_LEN_SHORT_MAX (OTA_DELTA_LEN_MIN + 16 + 255 - 1) /* 272 */
#define OTA_DELTA_LEN_LONG (OTA_DELTA_LEN_SHORT_MAX + 1)            /* 273 */
#define OTA_DELTA_DIST_STATES 4     /* distance models by length 2, 3, 4, 5+ */
#define OTA_DELTA_SLOT_BITS 6
#define OTA_DELTA_END_SLOT 14       /* slots below code their low bits in models */
#define OTA_DELTA_FULL_DIST 128
#define OTA_DELTA_ALIGN_BITS 4

/* Where each model lives in the probability array. */
#define OTA_P_IS_MATCH 0
#define OTA_P_IS_REP (OTA_P_IS_MATCH + OTA_DELTA_STATES * OTA_DELTA_POS_STATES)
#define OTA_P_IS_REP_G0 (OTA_P_IS_REP + OTA_DELTA_STATES)
#define OTA_P_IS_REP_G1 (OTA_P_IS_REP_G0 + OTA_DELTA_STATES)
#define OTA_P_IS_REP_G2 (OTA_P_IS_REP_G1 + OTA_DELTA_STATES)
#define OTA_P_IS_REP0_LONG (OTA_P_IS_REP_G2 + OTA_DELTA_STATES)
#define OTA_P_POS_SLOT (OTA_P_IS_REP0_LONG + OTA_DELTA_STATES * OTA_DELTA_POS_STATES)
#define OTA_P_POS_SPEC (OTA_P_POS_SLOT + (OTA_DELTA_DIST_STATES << OTA_DELTA_SLOT_BITS))
#define OTA_P_ALIGN (OTA_P_POS_SPEC + 1 + OTA_DELTA_FULL_DIST - OTA_DELTA_END_SLOT)
#define OTA_P_LEN_MATCH (OTA_P_ALIGN + (1 << OTA_DELTA_ALIGN_BITS))
/* within a length model */
#define OTA_L_CHOICE 0
#define OTA_L_CHOICE2 1
#define OTA_L_LOW 2
#define OTA_L_MID (OTA_L_LOW + OTA_DELTA_POS_STATES * OTA_DELTA_LEN_LOW)
#define OTA_L_HIGH (OTA_L_MID + OTA_DELTA_POS_STATES * OTA_DELTA_LEN_MID)
#define OTA_L_EXT (OTA_L_HIGH + OTA_DELTA_LEN_HIGH)
#define OTA_L_SIZE (OTA_L_EXT + (1 << OTA_DELTA_LEN_EXT_BITS))
#define OTA_P_LEN_REP (OTA_P_LEN_MATCH + OTA_L_SIZE)
#define OTA_P_LITERAL (OTA_P_LEN_REP + OTA_L_SIZE)
#define OTA_DELTA_PROBS (OTA_P_LITERAL + (0x300 << OTA_DELTA_LC_MAX))

/* State after each kind of packet. */
#define OTA_DELTA_AFTER_LITERAL(s) ((s) < 4 ? 0 : (s) < 10 ? (s) - 3 : (s) - 6)
#define OTA_DELTA_AFTER_MATCH(s) ((s) < 7 ? 7 : 10)
#define OTA_DELTA_AFTER_REP(s) ((s) < 7 ? 8 : 11)
#define OTA_DELTA_AFTER_SHORT_REP(s) ((s) < 7 ? 9 : 11)

#endif
