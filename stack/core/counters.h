/* Named counters for every event and drop reason, like `netstat -s` (BSD tcpstat idea).
 * One X-list so names and ids cannot drift apart. */
#ifndef STACK_CORE_COUNTERS_H
#define STACK_CORE_COUNTERS_H

#define COUNTER_LIST(X)                                                                            \
        X(ETH_RX, "eth.rx_frames")                                                                 \
        X(ETH_TX, "eth.tx_frames")                                                                 \
        X(ETH_RX_SHORT, "eth.drop_truncated")                                                      \
        X(ETH_RX_NOT_FOR_US, "eth.drop_not_for_us")                                                \
        X(ETH_RX_BAD_TYPE, "eth.drop_unknown_ethertype")                                           \
        X(ETH_TX_ERR, "eth.tx_errors")                                                             \
        X(ETH_RX_GSO, "eth.rx_gso_frames")                                                         \
        X(ETH_RX_CSUM_OFFLOAD, "eth.rx_csum_offloaded")                                            \
        X(ETH_TX_TSO, "eth.tx_tso_frames")                                                         \
        X(ETH_TX_CSUM_OFFLOAD, "eth.tx_csum_offloaded")                                            \
        X(ARP_RX, "arp.rx")                                                                        \
        X(ARP_RX_BAD, "arp.drop_malformed")                                                        \
        X(ARP_RX_NOT_FOR_US, "arp.drop_not_for_us")                                                \
        X(ARP_CONFLICT, "arp.drop_address_conflict")                                               \
        X(ARP_REQ_TX, "arp.requests_sent")                                                         \
        X(ARP_REPLY_TX, "arp.replies_sent")                                                        \
        X(ARP_UNSOLICITED, "arp.drop_unsolicited_reply")                                           \
        X(ARP_QUEUE_FULL, "arp.drop_queue_full")                                                   \
        X(ARP_CACHE_FULL, "arp.drop_cache_full")                                                   \
        X(ARP_UNREACH, "arp.resolution_failed")                                                    \
        X(IP_RX, "ip.rx")                                                                          \
        X(IP_TX, "ip.tx")                                                                          \
        X(IP_RX_SHORT, "ip.drop_truncated")                                                        \
        X(IP_RX_BAD_VERSION, "ip.drop_bad_version")                                                \
        X(IP_RX_BAD_IHL, "ip.drop_bad_header_length")                                              \
        X(IP_RX_BAD_LEN, "ip.drop_bad_total_length")                                               \
        X(IP_RX_BAD_CSUM, "ip.drop_bad_checksum")                                                  \
        X(IP_RX_BAD_SRC, "ip.drop_bad_source")                                                     \
        X(IP_RX_NOT_FOR_US, "ip.drop_not_for_us")                                                  \
        X(IP_RX_TTL, "ip.drop_ttl_zero")                                                           \
        X(IP_RX_UNKNOWN_PROTO, "ip.drop_unknown_protocol")                                         \
        X(IP_NO_ROUTE, "ip.drop_no_route")                                                         \
        X(IP_FRAG_RX, "ip.fragments_received")                                                     \
        X(IP_FRAG_BAD, "ip.drop_fragment_malformed")                                               \
        X(IP_FRAG_OVERLAP, "ip.drop_fragment_overlap")                                             \
        X(IP_FRAG_TOO_BIG, "ip.drop_fragment_over_65535")                                          \
        X(IP_FRAG_NO_MEM, "ip.drop_fragment_memory_bound")                                         \
        X(IP_FRAG_TIMEOUT, "ip.drop_fragment_timeout")                                             \
        X(IP_REASSEMBLED, "ip.datagrams_reassembled")                                              \
        X(IP_FRAG_TX, "ip.fragments_sent")                                                         \
        X(IP_TX_DF_TOO_BIG, "ip.drop_df_too_big")                                                  \
        X(ICMP_RX, "icmp.rx")                                                                      \
        X(ICMP_RX_BAD, "icmp.drop_malformed")                                                      \
        X(ICMP_RX_BAD_CSUM, "icmp.drop_bad_checksum")                                              \
        X(ICMP_ECHO_REPLY_TX, "icmp.echo_replies_sent")                                            \
        X(ICMP_UNREACH_TX, "icmp.unreachables_sent")                                               \
        X(ICMP_RATE_LIMITED, "icmp.errors_rate_limited")                                           \
        X(ICMP_ERR_RX, "icmp.errors_received")                                                     \
        X(ICMP_ERR_IGNORED, "icmp.errors_ignored")                                                 \
        X(UDP_RX, "udp.rx")                                                                        \
        X(UDP_TX, "udp.tx")                                                                        \
        X(UDP_RX_BAD, "udp.drop_malformed")                                                        \
        X(UDP_RX_BAD_CSUM, "udp.drop_bad_checksum")                                                \
        X(UDP_RX_NO_PORT, "udp.drop_no_port")                                                      \
        X(UDP_RX_QUEUE_FULL, "udp.drop_queue_full")                                                \
        X(DNS_RX_MISMATCH, "dns.drop_mismatched_reply")                                            \
        X(DNS_RX_BAD, "dns.drop_malformed")                                                        \
        X(DNS_RETRIES, "dns.retries")                                                              \
        X(DNS_QUERIES_TX, "dns.queries_sent")                                                      \
        X(DNS_CACHE_HITS, "dns.cache_hits")                                                        \
        X(DNS_TIMEOUTS, "dns.timeouts")                                                            \
        X(DNS_QUERY_LIMIT, "dns.drop_queries_in_flight_limit")                                     \
        X(TCP_RX, "tcp.rx")                                                                        \
        X(TCP_TX, "tcp.tx")                                                                        \
        X(TCP_TX_TSO, "tcp.tx_tso_segments")                                                       \
        X(TCP_RX_BAD, "tcp.drop_malformed")                                                        \
        X(TCP_RX_BAD_CSUM, "tcp.drop_bad_checksum")                                                \
        X(TCP_RX_BAD_OPT, "tcp.drop_bad_options")                                                  \
        X(TCP_RX_NO_PORT, "tcp.drop_no_connection")                                                \
        X(TCP_RX_UNACCEPTABLE, "tcp.drop_unacceptable_seq")                                        \
        X(TCP_RX_PAWS, "tcp.drop_paws")                                                            \
        X(TCP_RST_TX, "tcp.resets_sent")                                                           \
        X(TCP_RST_RX, "tcp.resets_received")                                                       \
        X(TCP_CHALLENGE_ACK, "tcp.challenge_acks_sent")                                            \
        X(TCP_CHALLENGE_LIMITED, "tcp.challenge_acks_rate_limited")                                \
        X(TCP_OOW_ACK_LIMITED, "tcp.oow_acks_rate_limited")                                        \
        X(TCP_REXMT, "tcp.retransmits")                                                            \
        X(TCP_FAST_REXMT, "tcp.fast_retransmits")                                                  \
        X(TCP_RTO_FIRED, "tcp.rto_timeouts")                                                       \
        X(TCP_TLP, "tcp.loss_probes")                                                              \
        X(TCP_TLP_REPAIR, "tcp.loss_probe_repairs")                                                \
        X(TCP_PMTU_REDUCED, "tcp.pmtu_reductions")                                                 \
        X(TCP_PMTU_BLACK_HOLE, "tcp.pmtu_black_holes")                                             \
        X(TCP_OOO_RX, "tcp.out_of_order_segments")                                                 \
        X(TCP_OOO_DROP, "tcp.drop_out_of_order_bound")                                             \
        X(TCP_SYNQ_FULL, "tcp.drop_syn_queue_full")                                                \
        X(TCP_SYNQ_EVICT, "tcp.syn_queue_evictions")                                               \
        X(TCP_TCB_LIMIT, "tcp.drop_tcb_limit")                                                     \
        X(TCP_TIME_WAIT_EVICT, "tcp.time_wait_evictions")                                          \
        X(TCP_ACTIVE_OPENS, "tcp.active_opens")                                                    \
        X(TCP_PASSIVE_OPENS, "tcp.passive_opens")                                                  \
        X(TCP_ESTABLISHED, "tcp.connections_established")                                          \
        X(TCP_TIMEOUTS, "tcp.connections_timed_out")                                               \
        X(TCP_ORPHANS_ABORTED, "tcp.orphans_aborted")                                              \
        X(TCP_R1_ADVICE, "tcp.r1_negative_advice")                                                 \
        X(TCP_RX_PLACED, "tcp.rx_placed_segments")                                                 \
        X(TCP_RX_PLACE_MISS, "tcp.rx_place_miss")                                                  \
        X(PKT_ALLOC_FAIL, "pkt.alloc_failures")

#define COUNTER_ENUM(id, name) CNT_##id,
enum counter { COUNTER_LIST(COUNTER_ENUM) CNT__COUNT };
#undef COUNTER_ENUM

const char *counter_name(enum counter c);

#endif
