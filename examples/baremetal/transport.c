/* The network transport: one HTTP/1.1 GET, the response pushed into the
 * engine's sink. A stub: it reports that the network is down, which the
 * engine handles like any outage (retries with backoff, then an error).
 *
 * A real one, e.g. over lwIP with mbedTLS (both in the pico-sdk for a Pico W):
 *   1. Parse req->url: scheme, host, port, path. Connect, with TLS for https
 *      (verify the server certificate against the CA bundle you ship).
 *      Keep the connection for the next call to the same host.
 *   2. Send "GET <path> HTTP/1.1", "Host: <host>", each of req->headers
 *      (header_count "Name: value" lines), "Range: bytes=<range_start>-"
 *      when range_start > 0, and a blank line.
 *   3. Read the status line: sink->on_status(sink->arg, code). Then each
 *      header line: sink->on_header(sink->arg, name, name_len, value,
 *      value_len). Do not follow redirects: the engine does.
 *   4. Read the body (Content-Length or chunked) into a small buffer and
 *      push each piece: sink->on_body(sink->arg, buf, n). A negative return
 *      from any sink callback aborts: close and return it.
 *   5. Return 0 when the whole response arrived, OTA_ERR_NETWORK when the
 *      connection failed, OTA_ERR_TIMEOUT when it stalled, OTA_ERR_TRUNCATED
 *      when the body ended early. */
#include "board.h"

int board_http_get(void *user, const struct ota_http_request *req,
                   const struct ota_http_sink *sink)
{
    (void)user;
    (void)req;
    (void)sink;
    return OTA_ERR_NETWORK;
}
