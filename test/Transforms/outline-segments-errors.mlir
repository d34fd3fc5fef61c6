// RUN: qkvtie-opt %s --qkvtie-outline-segments=ops-per-segment=0 -verify-diagnostics -o /dev/null

// expected-error @+1 {{qkvtie-outline-segments: ops-per-segment must be positive, not 0}}
module {
}
