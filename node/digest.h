/*
 * digest.h — the two digest operations of DEBUG DIGEST / DIGEST-VALUE
 * (Redis 7.0's, defined in cmd_debug.c), for the collection types' digest
 * hooks (node/obj.h). d is a 20-byte state:
 *   node_digest_xor(d, bytes):  d ^= SHA1(bytes)
 *   node_digest_mix(d, bytes):  d = SHA1(d ^ SHA1(bytes))
 */
#ifndef SHOAL_NODE_DIGEST_H
#define SHOAL_NODE_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define NODE_DIGEST_LEN 20

void node_digest_xor(uint8_t d[NODE_DIGEST_LEN], const void *p, size_t len);
void node_digest_mix(uint8_t d[NODE_DIGEST_LEN], const void *p, size_t len);

#endif
