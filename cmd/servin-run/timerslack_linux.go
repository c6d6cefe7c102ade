//go:build linux && cgo

package main

/*
// servin-run runs with a 4 ms timer slack, set by the nsenter constructor
// before the Go runtime starts; its children get the caller's back. See
// nsenter.EnvTimerSlack for why.
const unsigned long servin_cli_timer_slack = 4000000;
*/
import "C"
