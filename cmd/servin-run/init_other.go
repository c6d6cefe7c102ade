//go:build !linux

package main

func maybeInit() {}
