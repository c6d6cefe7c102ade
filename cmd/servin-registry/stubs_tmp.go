package main

import "github.com/spf13/cobra"

func newListCmd() *cobra.Command   { return &cobra.Command{Use: "list", Hidden: true} }
func newLoginCmd() *cobra.Command  { return &cobra.Command{Use: "login", Hidden: true} }
func newLogoutCmd() *cobra.Command { return &cobra.Command{Use: "logout", Hidden: true} }
func newGCCmd() *cobra.Command     { return &cobra.Command{Use: "gc", Hidden: true} }
