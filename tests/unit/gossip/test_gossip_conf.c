/*
 * test_gossip_conf.c — unit tests for the nodes.conf codec (gossip/gossip_conf.c).
 *
 * The fixtures are files that redis-server 7.0.15 wrote itself: a three-node
 * cluster (hostname announced on one node, SET-CONFIG-EPOCH, a replica,
 * MIGRATING/IMPORTING slots, a paused replica marked fail and nofailover, a
 * paused node caught in fail?, a manual failover that cast a vote), plus
 * files Redis saved after loading hand-made ones (a disconnected link, the
 * empty node it invents for an unknown master, IPv6 addresses). Formatting
 * their parse must give back the same bytes.
 */
#include <criterion/criterion.h>

#include "gossip/gossip_conf.h"
#include "node/core/core.h"

#include <stdio.h>
#include <string.h>

#define ID_A "22e20b7b2518fd5c4b30e0f660537895e13093fe"
#define ID_B "a0bfbc40aed08117208e5df1452be2ac9d6b7e7d"
#define ID_C "7c6d1c6ec5a362fe7dc6a6a7cd4a9c8c8ce78634"
#define VARS "vars currentEpoch 3 lastVoteEpoch 2\n"
#define MYSELF_A ID_A " :0@0 myself,master - 0 0 0 connected"

/* Node 27411 after MIGRATING 3 and 100 to B and IMPORTING 6000 from B. */
static const char fx_mig_a[] =
    ID_C " 127.0.0.1:27413@37413 slave " ID_A " 0 1795321300886 5 connected\n"
    ID_B " 127.0.0.1:27412@37412,db-2.example master - 1795321300886 1795321300384 7 connected 5461-10922\n"
    ID_A " 127.0.0.1:27411@37411 myself,master - 0 1795321299000 5 connected 0-3 5 100 200-5460 16383"
    " [3->-" ID_B "] [100->-" ID_B "] [6000-<-" ID_B "]\n"
    "vars currentEpoch 7 lastVoteEpoch 0\n";

/* Node 27412 (announces a hostname) importing 101 from A. */
static const char fx_mig_b[] =
    ID_A " 127.0.0.1:27411@37411 master - 0 1795321300890 5 connected 0-3 5 100 200-5460 16383\n"
    ID_B " 127.0.0.1:27412@37412,db-2.example myself,master - 0 1795321300000 7 connected 5461-10922"
    " [101-<-" ID_A "]\n"
    ID_C " 127.0.0.1:27413@37413 slave " ID_A " 0 1795321300890 5 connected\n"
    "vars currentEpoch 7 lastVoteEpoch 0\n";

/* The replica's own file. */
static const char fx_mig_c[] =
    ID_B " 127.0.0.1:27412@37412,db-2.example master - 0 1795321300585 7 connected 5461-10922\n"
    ID_A " 127.0.0.1:27411@37411 master - 0 1795321300384 5 connected 0-3 5 100 200-5460 16383\n"
    ID_C " 127.0.0.1:27413@37413 myself,slave " ID_A " 0 1795321300000 5 connected\n"
    "vars currentEpoch 7 lastVoteEpoch 0\n";

/* The replica SIGSTOPped with cluster-replica-no-failover yes. */
static const char fx_fail[] =
    ID_C " 127.0.0.1:27413@37413 slave,fail,nofailover " ID_A " 1795321313943 1795321313441 5 connected\n"
    ID_B " 127.0.0.1:27412@37412,db-2.example master - 0 1795321315450 7 connected 5461-10922\n"
    ID_A " 127.0.0.1:27411@37411 myself,master - 0 1795321314000 5 connected 0-3 5 100 200-5460 16383"
    " [3->-" ID_B "] [100->-" ID_B "] [6000-<-" ID_B "]\n"
    "vars currentEpoch 7 lastVoteEpoch 0\n";

/* CLUSTER SAVECONFIG while A was paused but not yet failed. */
static const char fx_pfail[] =
    ID_A " 127.0.0.1:27411@37411 slave,fail? " ID_C " 1795321338052 1795321337550 8 connected\n"
    ID_B " 127.0.0.1:27412@37412,db-2.example myself,master - 0 1795321338000 7 connected 5461-10922"
    " [101-<-" ID_A "]\n"
    ID_C " 127.0.0.1:27413@37413 master - 0 1795321339058 8 connected 0-3 5 100 200-5460 16383\n"
    "vars currentEpoch 8 lastVoteEpoch 8\n";

/* The old master after CLUSTER FAILOVER on its replica (it voted). */
static const char fx_failover_a[] =
    ID_C " 127.0.0.1:27413@37413 master - 1795321329210 1795321328707 8 connected 0-3 5 100 200-5460 16383\n"
    ID_B " 127.0.0.1:27412@37412,db-2.example master - 0 1795321329008 7 connected 5461-10922\n"
    ID_A " 127.0.0.1:27411@37411 myself,slave " ID_C " 0 1795321328000 8 connected\n"
    "vars currentEpoch 8 lastVoteEpoch 8\n";

/* The promoted replica's file. */
static const char fx_failover_c[] =
    ID_B " 127.0.0.1:27412@37412,db-2.example master - 0 1795321329361 7 connected 5461-10922\n"
    ID_A " 127.0.0.1:27411@37411 slave " ID_C " 0 1795321329663 8 connected\n"
    ID_C " 127.0.0.1:27413@37413 myself,master - 0 1795321329000 8 connected 0-3 5 100 200-5460 16383\n"
    "vars currentEpoch 8 lastVoteEpoch 0\n";

/* A new node's first file (port not known yet when it is written). */
static const char fx_fresh[] = MYSELF_A "\nvars currentEpoch 0 lastVoteEpoch 0\n";

/* Saved right after loading: no link to the other node yet. */
static const char fx_disconnected[] =
    ID_A " :27450@37450 myself,master - 0 0 0 connected\n"
    ID_B " 127.0.0.1:5@6 master - 1795321528516 0 4 disconnected 5-9\n"
    "vars currentEpoch 4 lastVoteEpoch 2\n";

/* Redis's own save after loading a replica of an unlisted master. */
static const char fx_noflags[] =
    ID_B " :0@0 noflags - 1795321443898 0 0 disconnected\n"
    ID_A " :27450@37450 myself,slave " ID_B " 0 0 0 connected\n"
    "vars currentEpoch 3 lastVoteEpoch 2\n";

static const char fx_ipv6[] =
    ID_A " ::1:27450@37450 myself,master - 0 0 0 connected\n"
    ID_B " fe80::1%lo:7@10007 master - 1795321445019 0 9 disconnected\n"
    "vars currentEpoch 9 lastVoteEpoch 2\n";

static const char *const fixtures[] = {
    fx_mig_a, fx_mig_b, fx_mig_c, fx_fail, fx_pfail, fx_failover_a,
    fx_failover_c, fx_fresh, fx_disconnected, fx_noflags, fx_ipv6,
};

/* Parses text that must be good; the caller frees *c. */
static void parse_ok(const char *text, size_t len, struct gossip_conf *c)
{
    struct gossip_conf_err err = {0};
    int rc = gossip_conf_parse(text, len, c, &err);
    cr_assert_eq(rc, 0, "parse failed (%d): %s\n%.*s", rc, err.text, (int)CORE_MIN(len, 400), text);
}

static void parse_ok_str(const char *text, struct gossip_conf *c)
{
    parse_ok(text, strlen(text), c);
}

/* format(c) must be exactly text. */
static void assert_formats_to(const struct gossip_conf *c, const char *text)
{
    char *out;
    size_t len;
    cr_assert_eq(gossip_conf_format(c, &out, &len), 0);
    cr_assert_eq(len, strlen(out));
    cr_assert_str_eq(out, text);
    core_free(out);
}

/* format then parse must give c back, and formatting that must not move. */
static void assert_round_trip(const struct gossip_conf *c)
{
    char *text, *again;
    size_t len, len2;
    struct gossip_conf back;
    cr_assert_eq(gossip_conf_format(c, &text, &len), 0);
    parse_ok(text, len, &back);
    cr_assert(gossip_conf_is_equal(c, &back), "round trip changed the config:\n%s", text);
    cr_assert_eq(gossip_conf_format(&back, &again, &len2), 0);
    cr_assert_eq(len, len2);
    cr_assert_eq(memcmp(text, again, len), 0);
    core_free(text);
    core_free(again);
    gossip_conf_free(&back);
}

Test(gossip_conf, redis_files_format_byte_identical)
{
    for (size_t i = 0; i < CORE_ARRAY_LEN(fixtures); i++) {
        struct gossip_conf c;
        parse_ok_str(fixtures[i], &c);
        cr_assert_eq(gossip_conf_check(&c, NULL), 0);
        assert_formats_to(&c, fixtures[i]);
        assert_round_trip(&c);
        gossip_conf_free(&c);
    }
}

Test(gossip_conf, parse_fields_of_a_migrating_master)
{
    struct gossip_conf c;
    parse_ok_str(fx_mig_a, &c);
    cr_assert_eq(c.node_count, 3);
    cr_assert_eq(c.myself_index, 2);
    cr_assert_eq(c.current_epoch, 7);
    cr_assert_eq(c.last_vote_epoch, 0);
    const struct gossip_conf_node *r = &c.nodes[0], *b = &c.nodes[1], *me = &c.nodes[2];
    cr_assert_str_eq(r->id, ID_C);
    cr_assert_str_eq(r->ip, "127.0.0.1");
    cr_assert_eq(r->port, 27413);
    cr_assert_eq(r->cport, 37413);
    cr_assert_str_eq(r->hostname, "");
    cr_assert_eq(r->flags, GOSSIP_CONF_SLAVE);
    cr_assert_eq(r->master_index, 2);
    cr_assert_eq(r->ping_sent_ms, 0);
    cr_assert_eq(r->pong_recv_ms, 1795321300886LL);
    cr_assert_eq(r->config_epoch, 5);
    cr_assert(r->link_connected);
    cr_assert_str_eq(b->hostname, "db-2.example");
    cr_assert_eq(b->flags, GOSSIP_CONF_MASTER);
    cr_assert_eq(b->master_index, GOSSIP_CONF_NO_NODE);
    cr_assert_eq(b->ping_sent_ms, 1795321300886LL);
    cr_assert_eq(b->config_epoch, 7);
    cr_assert_eq(me->flags, GOSSIP_CONF_MYSELF | GOSSIP_CONF_MASTER);
    for (int s = 0; s < GOSSIP_CONF_SLOTS; s++) {
        bool mine = s <= 3 || s == 5 || s == 100 || (s >= 200 && s <= 5460) || s == 16383;
        bool bs = s >= 5461 && s <= 10922;
        uint16_t want = mine ? 2 : bs ? 1 : GOSSIP_CONF_NO_NODE;
        cr_assert_eq(c.slot_owner[s], want, "slot %d owner %u", s, c.slot_owner[s]);
        uint16_t mig = (s == 3 || s == 100) ? 1 : GOSSIP_CONF_NO_NODE;
        uint16_t imp = s == 6000 ? 1 : GOSSIP_CONF_NO_NODE;
        cr_assert_eq(c.migrating_to[s], mig, "slot %d", s);
        cr_assert_eq(c.importing_from[s], imp, "slot %d", s);
    }
    gossip_conf_free(&c);
}

Test(gossip_conf, parse_flags_epochs_and_addresses)
{
    struct gossip_conf c;
    parse_ok_str(fx_fail, &c);
    cr_assert_eq(c.nodes[0].flags, GOSSIP_CONF_SLAVE | GOSSIP_CONF_FAIL | GOSSIP_CONF_NOFAILOVER);
    gossip_conf_free(&c);

    parse_ok_str(fx_pfail, &c);
    cr_assert_eq(c.nodes[0].flags, GOSSIP_CONF_SLAVE | GOSSIP_CONF_PFAIL);
    cr_assert_eq(c.nodes[0].master_index, 2);
    cr_assert_eq(c.importing_from[101], 0);
    cr_assert_eq(c.last_vote_epoch, 8);
    gossip_conf_free(&c);

    parse_ok_str(fx_failover_a, &c);
    cr_assert_eq(c.nodes[2].flags, GOSSIP_CONF_MYSELF | GOSSIP_CONF_SLAVE);
    cr_assert_eq(c.nodes[2].master_index, 0);
    gossip_conf_free(&c);

    parse_ok_str(fx_noflags, &c);
    cr_assert_eq(c.nodes[0].flags, 0);
    cr_assert_str_eq(c.nodes[0].ip, "");
    cr_assert_eq(c.nodes[0].port, 0);
    cr_assert(!c.nodes[0].link_connected);
    gossip_conf_free(&c);

    parse_ok_str(fx_ipv6, &c);
    cr_assert_str_eq(c.nodes[0].ip, "::1");
    cr_assert_str_eq(c.nodes[1].ip, "fe80::1%lo");
    cr_assert_eq(c.nodes[1].port, 7);
    cr_assert_eq(c.nodes[1].cport, 10007);
    gossip_conf_free(&c);
}

Test(gossip_conf, every_flag_in_order)
{
    struct gossip_conf c;
    const char *in = MYSELF_A "\n" ID_B
                     " 10.0.0.1:1@2 nofailover,noaddr,handshake,fail,fail?,slave,master - 0 0 0 connected\n" VARS;
    parse_ok_str(in, &c);
    cr_assert_eq(c.nodes[1].flags, GOSSIP_CONF_FLAGS_ALL & ~GOSSIP_CONF_MYSELF);
    assert_formats_to(&c, MYSELF_A "\n" ID_B
                      " 10.0.0.1:1@2 master,slave,fail?,fail,handshake,noaddr,nofailover - 0 0 0 connected\n" VARS);
    gossip_conf_free(&c);
}

/* Inputs Redis accepts and we do too; each formats to the canonical text. */
Test(gossip_conf, tolerated_variants)
{
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"\n" MYSELF_A "\n\n" VARS "\n\n\n", MYSELF_A "\n" VARS},            /* blank lines, padding */
        {MYSELF_A "\r\n" VARS, MYSELF_A "\n" VARS},                         /* CRLF */
        {"  " ID_A "   :0@0\tmyself,master - 0 0 0 connected  \n" VARS, MYSELF_A "\n" VARS},
        {MYSELF_A "\nVARS CURRENTEPOCH 3 lastvoteepoch 2\n", MYSELF_A "\n" VARS},
        {MYSELF_A "\nvars futureVar x currentEpoch 3 lastVoteEpoch 2 more 9\n", MYSELF_A "\n" VARS},
        {MYSELF_A "\nvars lastVoteEpoch 2 currentEpoch 3\n", MYSELF_A "\n" VARS},
        {ID_A " :0@0 master,myself - 0 0 0 connected\n" VARS, MYSELF_A "\n" VARS},
        {ID_A " 1.2.3.4:6379 myself,master - 0 0 0 connected\n" VARS,     /* no @cport */
         ID_A " 1.2.3.4:6379@16379 myself,master - 0 0 0 connected\n" VARS},
        {MYSELF_A " 0-2 3 4-4 007\n" VARS, MYSELF_A " 0-4 7\n" VARS},         /* runs merge */
        {"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz :0@0 myself,master - 0 0 0 connected\n" VARS,
         "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz :0@0 myself,master - 0 0 0 connected\n" VARS},
        {MYSELF_A "\nvars currentEpoch 18446744073709551615 lastVoteEpoch 0\n",
         MYSELF_A "\nvars currentEpoch 18446744073709551615 lastVoteEpoch 0\n"},
    };
    for (size_t i = 0; i < CORE_ARRAY_LEN(cases); i++) {
        struct gossip_conf c;
        parse_ok_str(cases[i].in, &c);
        assert_formats_to(&c, cases[i].out);
        gossip_conf_free(&c);
    }
}

Test(gossip_conf, empty_file_is_no_config)
{
    struct gossip_conf c;
    struct gossip_conf_err err = {0};
    cr_assert_eq(gossip_conf_parse("", 0, &c, &err), -ENODATA);
    cr_assert_eq(gossip_conf_parse(NULL, 0, &c, NULL), -ENODATA);
    cr_assert(strstr(err.text, "empty") != NULL);
}

struct bad {
    const char *text;
    int rc;
    size_t line;
    const char *msg; /* a part of the error text */
};

static const struct bad bad_files[] = {
    {MYSELF_A "\nvars currentEpoch 3 lastVoteEpoch 2", -EPROTO, 2, "no newline"},
    {MYSELF_A "\nvars currentEpoch 3", -EPROTO, 2, "no newline"},
    {MYSELF_A, -EPROTO, 1, "no newline"},
    {ID_A " :0@0 myself,master - 0\n" VARS, -EPROTO, 1, "has 5 fields"},
    {MYSELF_A "\n", -EPROTO, 0, "no vars line"},
    {"\n\n", -EPROTO, 0, "no vars line"},
    {VARS, -EPROTO, 0, "no node is marked myself"},
    {ID_B " :0@0 master - 0 0 0 connected\n" VARS, -EPROTO, 0, "no node is marked myself"},
    {MYSELF_A "\n" VARS ID_B " :0@0 master - 0 0 0 connected\n", -EPROTO, 3, "after the vars"},
    {MYSELF_A "\n" VARS VARS, -EPROTO, 3, "after the vars"},
    {"xyz :0@0 myself,master - 0 0 0 connected\n" VARS, -EPROTO, 1, "invalid node id 'xyz'"},
    {"22E20b7b2518fd5c4b30e0f660537895e13093fe :0@0 myself,master - 0 0 0 connected\n" VARS, -EPROTO, 1,
     "invalid node id"},
    {"22e20b7b2518fd5c4b30e0f660537895e13093fe0 :0@0 myself,master - 0 0 0 connected\n" VARS, -EPROTO, 1,
     "invalid node id"},
    {MYSELF_A "\n" ID_B " :0@0 master - 0 0 0 connected\n" ID_A " :1@2 master - 0 0 0 connected\n" VARS,
     -EPROTO, 3, "duplicate node id '" ID_A "' (also on line 1)"},
    {MYSELF_A "\n" ID_B " :0@0 myself,slave - 0 0 0 connected\n" VARS, -EPROTO, 2, "second myself"},
    {MYSELF_A " 16384\n" VARS, -EPROTO, 1, "invalid slot '16384'"},
    {MYSELF_A " 0-16384\n" VARS, -EPROTO, 1, "invalid slot range"},
    {MYSELF_A " 99999999999999999999999\n" VARS, -EPROTO, 1, "invalid slot"},
    {MYSELF_A " -1\n" VARS, -EPROTO, 1, "invalid slot range"},
    {MYSELF_A " 10-5\n" VARS, -EPROTO, 1, "ends before it starts"},
    {MYSELF_A " 1-2-3\n" VARS, -EPROTO, 1, "invalid slot range"},
    {MYSELF_A " 5-\n" VARS, -EPROTO, 1, "invalid slot range"},
    {MYSELF_A " 0-10 5\n" VARS, -EPROTO, 1, "slot 5 listed twice (also on line 1)"},
    {MYSELF_A " 0-10\n" ID_B " :1@2 master - 0 0 0 connected 10-20\n" VARS, -EPROTO, 2,
     "slot 10 listed twice (also on line 1)"},
    {ID_A " :0@0 myself,bogus - 0 0 0 connected\n" VARS, -EPROTO, 1, "unknown flag 'bogus'"},
    {ID_A " :0@0 myself,MASTER - 0 0 0 connected\n" VARS, -EPROTO, 1, "unknown flag 'MASTER'"},
    {ID_A " :0@0 myself,master,master - 0 0 0 connected\n" VARS, -EPROTO, 1, "duplicate flag 'master'"},
    {ID_A " :0@0 myself,,master - 0 0 0 connected\n" VARS, -EPROTO, 1, "unknown flag ''"},
    {ID_A " :0@0 myself,master, - 0 0 0 connected\n" VARS, -EPROTO, 1, "unknown flag ''"},
    {ID_A " :0@0 myself,noflags - 0 0 0 connected\n" VARS, -EPROTO, 1, "'noflags' combined"},
    {ID_A " :0@0 myself,slave xyz 0 0 0 connected\n" VARS, -EPROTO, 1, "invalid master id 'xyz'"},
    {ID_A " :0@0 myself,slave " ID_B " 0 0 0 connected\n" VARS, -EPROTO, 1, "master id names no listed node"},
    {ID_A " :0@0 myself,slave " ID_A " 0 0 0 connected\n" VARS, -EPROTO, 1, "its own master"},
    {ID_A " :0@0 myself,master - -1 0 0 connected\n" VARS, -EPROTO, 1, "invalid ping-sent time '-1'"},
    {ID_A " :0@0 myself,master - 0 9223372036854775808 0 connected\n" VARS, -EPROTO, 1,
     "invalid pong-received time"},
    {ID_A " :0@0 myself,master - 0 0 18446744073709551616 connected\n" VARS, -EPROTO, 1,
     "invalid config epoch"},
    {ID_A " :0@0 myself,master - 0 0 +1 connected\n" VARS, -EPROTO, 1, "invalid config epoch"},
    {ID_A " :0@0 myself,master - 0 0 0 up\n" VARS, -EPROTO, 1, "invalid link state 'up'"},
    {ID_A " 127.0.0.1 myself,master - 0 0 0 connected\n" VARS, -EPROTO, 1, "no ':port'"},
    {ID_A " 127.0.0.1:65536@1 myself,master - 0 0 0 connected\n" VARS, -EPROTO, 1, "invalid port"},
    {ID_A " 127.0.0.1:@1 myself,master - 0 0 0 connected\n" VARS, -EPROTO, 1, "invalid port"},
    {ID_A " 127.0.0.1:1@ myself,master - 0 0 0 connected\n" VARS, -EPROTO, 1, "invalid bus port"},
    {ID_A " 127.0.0.1:1@2@3 myself,master - 0 0 0 connected\n" VARS, -EPROTO, 1, "invalid bus port"},
    {ID_A " 127.0.0.1:60000 myself,master - 0 0 0 connected\n" VARS, -EPROTO, 1, "overflows"},
    {ID_A " 127.0.0.1:1@2, myself,master - 0 0 0 connected\n" VARS, -EPROTO, 1, "invalid hostname"},
    {ID_A " 127.0.0.1:1@2,a_b myself,master - 0 0 0 connected\n" VARS, -EPROTO, 1, "invalid hostname"},
    {ID_A " 127.0.0.1:1@2,a,b myself,master - 0 0 0 connected\n" VARS, -EPROTO, 1, "invalid hostname"},
    {ID_A " 1234567890123456789012345678901234567890123456:1@2 myself,master - 0 0 0 connected\n" VARS,
     -EPROTO, 1, "invalid IP"},
    {ID_A " 1/2:1@2 myself,master - 0 0 0 connected\n" VARS, -EPROTO, 1, "invalid IP"},
    {MYSELF_A "\n" ID_B " :1@2 master - 0 0 0 connected [5->-" ID_A "]\n" VARS, -EPROTO, 2,
     "marker on a line that is not myself"},
    {MYSELF_A " [5->-" ID_B "]\n" VARS, -EPROTO, 1, "marker names no listed node"},
    {MYSELF_A " [5->-" ID_A "]\n" VARS, -EPROTO, 1, "marker names myself"},
    {MYSELF_A " [5->" ID_B "]\n" ID_B " :1@2 master - 0 0 0 connected\n" VARS, -EPROTO, 1,
     "invalid slot marker"},
    {MYSELF_A " [5-<-" ID_B "\n" ID_B " :1@2 master - 0 0 0 connected\n" VARS, -EPROTO, 1,
     "invalid slot marker"},
    {MYSELF_A " [16384-<-" ID_B "]\n" ID_B " :1@2 master - 0 0 0 connected\n" VARS, -EPROTO, 1,
     "invalid slot marker"},
    {MYSELF_A " [5->-" ID_B "] [5-<-" ID_B "]\n" ID_B " :1@2 master - 0 0 0 connected\n" VARS, -EPROTO, 1,
     "slot 5 has two markers"},
    {MYSELF_A " [5->-" ID_B "] [5->-" ID_B "]\n" ID_B " :1@2 master - 0 0 0 connected\n" VARS, -EPROTO, 1,
     "slot 5 has two markers"},
    {MYSELF_A "\nvars currentEpoch 3 lastVoteEpoch\n", -EPROTO, 2, "no value for 'lastVoteEpoch'"},
    {MYSELF_A "\nvars currentEpoch 3\n", -EPROTO, 2, "lacks lastVoteEpoch"},
    {MYSELF_A "\nvars lastVoteEpoch 3\n", -EPROTO, 2, "lacks currentEpoch"},
    {MYSELF_A "\nvars\n", -EPROTO, 2, "lacks currentEpoch"},
    {MYSELF_A "\nvars currentEpoch 3 currentEpoch 4 lastVoteEpoch 0\n", -EPROTO, 2, "names twice"},
    {MYSELF_A "\nvars currentEpoch x lastVoteEpoch 0\n", -EPROTO, 2, "invalid epoch 'x'"},
    {MYSELF_A "\n   \n" VARS, -EPROTO, 2, "only whitespace"},
    {MYSELF_A "\n\r\n" VARS, -EPROTO, 2, "only whitespace"},
    {ID_A " \"\" myself,master - 0 0 0 connected\n" VARS, -EPROTO, 1, "unexpected byte 0x22"},
    {MYSELF_A "\x01\n" VARS, -EPROTO, 1, "unexpected byte 0x01 at column 78"},
    {"\xff\xfe garbage\n", -EPROTO, 1, "unexpected byte 0xff"},
    {"hello world\n" VARS, -EPROTO, 1, "has 2 fields"},
};

Test(gossip_conf, corrupt_files_are_refused)
{
    for (size_t i = 0; i < CORE_ARRAY_LEN(bad_files); i++) {
        const struct bad *b = &bad_files[i];
        struct gossip_conf c;
        memset(&c, 0x5a, sizeof(c)); /* must stay untouched */
        struct gossip_conf_err err = {0};
        int rc = gossip_conf_parse(b->text, strlen(b->text), &c, &err);
        cr_assert_eq(rc, b->rc, "case %zu: rc %d, want %d (%s)\n%s", i, rc, b->rc, err.text, b->text);
        cr_assert_eq(err.line, b->line, "case %zu: line %zu, want %zu (%s)", i, err.line, b->line, err.text);
        cr_assert(strstr(err.text, b->msg) != NULL, "case %zu: message '%s' lacks '%s'", i, err.text,
                  b->msg);
        cr_assert_eq(strncmp(err.text, "nodes.conf", 10), 0);
        if (b->line) {
            char want[48];
            snprintf(want, sizeof(want), "nodes.conf line %zu: ", b->line);
            cr_assert_eq(strncmp(err.text, want, strlen(want)), 0, "case %zu: %s", i, err.text);
        }
        const unsigned char *bytes = (const unsigned char *)&c;
        for (size_t k = 0; k < sizeof(c); k++)
            cr_assert_eq(bytes[k], 0x5a, "case %zu: *ret written on failure", i);
    }
}

Test(gossip_conf, nul_byte_and_every_truncation)
{
    struct gossip_conf c;
    struct gossip_conf_err err;
    char with_nul[] = MYSELF_A "\n" VARS;
    with_nul[10] = '\0';
    cr_assert_eq(gossip_conf_parse(with_nul, sizeof(with_nul) - 1, &c, &err), -EPROTO);
    cr_assert(strstr(err.text, "unexpected byte 0x00 at column 11") != NULL, "%s", err.text);

    /* Cutting a real file anywhere must never load: either the cut line has
     * no newline, or a whole line is missing (the vars line at least). */
    size_t len = strlen(fx_mig_a);
    for (size_t cut = 1; cut < len; cut++) {
        int rc = gossip_conf_parse(fx_mig_a, cut, &c, &err);
        cr_assert_eq(rc, -EPROTO, "cut at %zu parsed", cut);
    }
}

Test(gossip_conf, line_and_node_limits)
{
    struct gossip_conf c;
    struct gossip_conf_err err;
    size_t len = GOSSIP_CONF_LINE_MAX + 100;
    char *text = core_malloc(len);
    memset(text, 'a', len);
    cr_assert_eq(gossip_conf_parse(text, len, &c, &err), -E2BIG);
    cr_assert_eq(err.line, 1);
    text[len - 1] = '\n';
    cr_assert_eq(gossip_conf_parse(text, len, &c, &err), -E2BIG);
    core_free(text);

    /* one node more than the limit */
    size_t line_len = 41 + 12 + 7 + 2 + 6 + 10 + 1;
    text = core_malloc((GOSSIP_CONF_NODES_MAX + 2) * line_len + 64);
    size_t off = 0;
    for (size_t i = 0; i <= GOSSIP_CONF_NODES_MAX; i++) {
        off += (size_t)sprintf(text + off, "%040zx :1@2 %s - 0 0 0 connected\n", i,
                               i == 0 ? "myself,master" : "master");
    }
    off += (size_t)sprintf(text + off, VARS);
    cr_assert_eq(gossip_conf_parse(text, off, &c, &err), -E2BIG);
    cr_assert(strstr(err.text, "more than 8192 nodes") != NULL, "%s", err.text);
    cr_assert_eq(err.line, GOSSIP_CONF_NODES_MAX + 1);

    /* exactly the limit loads */
    char *last = text;
    for (size_t i = 0; i < GOSSIP_CONF_NODES_MAX; i++)
        last = strchr(last, '\n') + 1;
    off = (size_t)(last - text);
    off += (size_t)sprintf(text + off, VARS);
    parse_ok(text, off, &c);
    cr_assert_eq(c.node_count, GOSSIP_CONF_NODES_MAX);
    assert_round_trip(&c);
    gossip_conf_free(&c);
    core_free(text);
}

static struct gossip_conf_node make_node(unsigned seed, uint32_t flags)
{
    struct gossip_conf_node n;
    memset(&n, 0, sizeof(n));
    snprintf(n.id, sizeof(n.id), "%08x%032x", seed * 2654435761u, seed);
    snprintf(n.ip, sizeof(n.ip), "10.%u.%u.%u", seed % 256, (seed / 3) % 256, (seed / 7) % 256);
    if (seed % 3 == 0)
        snprintf(n.hostname, sizeof(n.hostname), "node-%u.example", seed);
    n.port = (uint16_t)(7000 + seed);
    n.cport = (uint16_t)(17000 + seed);
    n.flags = flags;
    n.master_index = GOSSIP_CONF_NO_NODE;
    n.ping_sent_ms = seed % 2 ? 1700000000000LL + seed : 0;
    n.pong_recv_ms = 1700000000500LL + seed;
    n.config_epoch = seed;
    n.link_connected = seed % 5 != 0;
    return n;
}

/* Builds a config through the API, as node/ will: masters, replicas, a
 * pattern of slot ownership and markers. */
Test(gossip_conf, built_config_round_trips)
{
    struct gossip_conf c;
    gossip_conf_init(&c);
    uint32_t state = 12345;
    for (unsigned i = 0; i < 40; i++) {
        uint32_t flags = i < 20 ? GOSSIP_CONF_MASTER : GOSSIP_CONF_SLAVE;
        if (i == 7)
            flags |= GOSSIP_CONF_MYSELF;
        if (i % 11 == 3)
            flags |= GOSSIP_CONF_PFAIL;
        if (i % 13 == 4)
            flags |= GOSSIP_CONF_FAIL | GOSSIP_CONF_NOFAILOVER;
        struct gossip_conf_node n = make_node(i + 1, flags);
        if (i >= 20)
            n.master_index = (uint16_t)(i - 20);
        cr_assert_eq(gossip_conf_add_node(&c, &n), 0);
    }
    c.myself_index = 7;
    c.current_epoch = 41;
    c.last_vote_epoch = 39;
    for (int s = 0; s < GOSSIP_CONF_SLOTS; s++) {
        state = state * 1103515245u + 12345u;
        uint32_t r = (state >> 16) % 100;
        c.slot_owner[s] = r < 3 ? GOSSIP_CONF_NO_NODE : (uint16_t)((s / 800 + (r < 10)) % 20);
        if (c.slot_owner[s] == 7 && r % 7 == 0)
            c.migrating_to[s] = (uint16_t)(r % 20 == 7 ? 8 : r % 20);
        else if (c.slot_owner[s] != 7 && r % 9 == 0)
            c.importing_from[s] = (uint16_t)(r % 20 == 7 ? 8 : r % 20);
    }
    cr_assert_eq(gossip_conf_check(&c, NULL), 0);
    assert_round_trip(&c);
    gossip_conf_free(&c);
    gossip_conf_free(NULL);
}

/* The longest lines the format can make: alternating owners and every slot
 * marked; they stay within GOSSIP_CONF_LINE_MAX. */
Test(gossip_conf, largest_lines_round_trip)
{
    struct gossip_conf c;
    gossip_conf_init(&c);
    struct gossip_conf_node me = make_node(1, GOSSIP_CONF_MYSELF | GOSSIP_CONF_MASTER);
    struct gossip_conf_node other = make_node(2, GOSSIP_CONF_MASTER);
    cr_assert_eq(gossip_conf_add_node(&c, &me), 0);
    cr_assert_eq(gossip_conf_add_node(&c, &other), 0);
    c.myself_index = 0;
    for (int s = 0; s < GOSSIP_CONF_SLOTS; s++) {
        c.slot_owner[s] = (uint16_t)(s % 2);
        if (s % 2 == 0)
            c.migrating_to[s] = 1;
        else
            c.importing_from[s] = 1;
    }
    assert_round_trip(&c);
    char *text;
    size_t len;
    cr_assert_eq(gossip_conf_format(&c, &text, &len), 0);
    cr_assert(strstr(text, " 0 2 4 6 ") != NULL);
    cr_assert(strstr(text, " [16383-<-") != NULL);
    cr_assert(strchr(text, '\n') - text < GOSSIP_CONF_LINE_MAX);
    core_free(text);
    gossip_conf_free(&c);
}

Test(gossip_conf, check_refuses_inconsistent_structs)
{
    struct gossip_conf c;
    struct gossip_conf_err err;
    char *text = NULL;
    size_t len;
    parse_ok_str(fx_mig_a, &c);
    cr_assert_eq(gossip_conf_check(&c, &err), 0);

    c.nodes[1].master_index = 1; /* its own master */
    cr_assert_eq(gossip_conf_check(&c, &err), -EINVAL);
    cr_assert_eq(gossip_conf_format(&c, &text, &len), -EINVAL);
    cr_assert_null(text);
    c.nodes[1].master_index = 3; /* past the end */
    cr_assert_eq(gossip_conf_check(&c, &err), -EINVAL);
    c.nodes[1].master_index = GOSSIP_CONF_NO_NODE;

    c.nodes[1].flags |= GOSSIP_CONF_MYSELF; /* two myself */
    cr_assert_eq(gossip_conf_check(&c, &err), -EINVAL);
    c.nodes[1].flags &= ~(uint32_t)GOSSIP_CONF_MYSELF;

    c.importing_from[3] = 1; /* migrating too */
    cr_assert_eq(gossip_conf_check(&c, &err), -EINVAL);
    c.importing_from[3] = GOSSIP_CONF_NO_NODE;
    c.migrating_to[9] = 2; /* names myself */
    cr_assert_eq(gossip_conf_check(&c, &err), -EINVAL);
    c.migrating_to[9] = GOSSIP_CONF_NO_NODE;

    memcpy(c.nodes[1].id, c.nodes[0].id, sizeof(c.nodes[0].id)); /* duplicate id */
    cr_assert_eq(gossip_conf_check(&c, &err), -EINVAL);
    cr_assert(strstr(err.text, "duplicate") != NULL, "%s", err.text);
    memcpy(c.nodes[1].id, ID_B, sizeof(c.nodes[1].id));

    strcpy(c.nodes[1].hostname, "bad host");
    cr_assert_eq(gossip_conf_check(&c, &err), -EINVAL);
    c.nodes[1].hostname[0] = '\0';
    c.nodes[1].ping_sent_ms = -1;
    cr_assert_eq(gossip_conf_check(&c, &err), -EINVAL);
    c.nodes[1].ping_sent_ms = 0;
    c.slot_owner[0] = 3;
    cr_assert_eq(gossip_conf_check(&c, &err), -EINVAL);
    c.slot_owner[0] = 2;
    cr_assert_eq(gossip_conf_check(&c, &err), 0);
    gossip_conf_free(&c);

    gossip_conf_init(&c); /* no nodes, no myself */
    cr_assert_eq(gossip_conf_check(&c, &err), -EINVAL);
}

Test(gossip_conf, add_node_limit)
{
    struct gossip_conf c;
    gossip_conf_init(&c);
    struct gossip_conf_node n = make_node(1, GOSSIP_CONF_MASTER);
    for (int i = 0; i < GOSSIP_CONF_NODES_MAX; i++)
        cr_assert_eq(gossip_conf_add_node(&c, &n), 0);
    cr_assert_eq(gossip_conf_add_node(&c, &n), -E2BIG);
    cr_assert_eq(c.node_count, GOSSIP_CONF_NODES_MAX);
    gossip_conf_free(&c);
    cr_assert_eq(c.node_count, 0);
    cr_assert_null(c.nodes);
}

Test(gossip_conf, value_checks)
{
    cr_assert(gossip_conf_id_is_valid(ID_A, 40));
    cr_assert(gossip_conf_id_is_valid("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", 40));
    cr_assert(!gossip_conf_id_is_valid(ID_A, 39));
    cr_assert(!gossip_conf_id_is_valid("22E20b7b2518fd5c4b30e0f660537895e13093fe", 40));
    cr_assert(!gossip_conf_id_is_valid("22e20b7b2518fd5c4b30e0f660537895e13093f-", 40));
    cr_assert(gossip_conf_ip_is_valid("", 0));
    cr_assert(gossip_conf_ip_is_valid("fe80::1%eth0", 12));
    cr_assert(!gossip_conf_ip_is_valid("1.2.3.4 ", 8));
    cr_assert(!gossip_conf_ip_is_valid("1.2.3.4@", 8));
    cr_assert(gossip_conf_hostname_is_valid("A.b-c", 5));
    cr_assert(!gossip_conf_hostname_is_valid("", 0));
    cr_assert(!gossip_conf_hostname_is_valid("a_b", 3));
    cr_assert(!gossip_conf_hostname_is_valid("a,b", 3));
    char long_name[257];
    memset(long_name, 'a', sizeof(long_name));
    cr_assert(gossip_conf_hostname_is_valid(long_name, 255));
    cr_assert(!gossip_conf_hostname_is_valid(long_name, 256));
}
