//go:build unix

package main

import "syscall"

func monitorSysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
