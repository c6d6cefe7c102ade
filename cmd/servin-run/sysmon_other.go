//go:build !linux

package main

// slowSysmon is a Linux tuning (see sysmon_linux.go).
func slowSysmon() {}
