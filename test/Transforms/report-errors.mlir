// RUN: qkvtie-opt %s --qkvtie-report=output=%t.missing/dir/r.json -verify-diagnostics -o /dev/null

// expected-error @+1 {{qkvtie-report: cannot open '}}
module {
}
