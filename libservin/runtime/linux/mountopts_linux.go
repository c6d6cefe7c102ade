package linux

import (
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// mountOptions is the parsed form of a runtime-spec mount's options.
type mountOptions struct {
	flags       uintptr   // MS_* flags to pass to mount(2), propagation excluded
	cleared     uintptr   // MS_* flags explicitly turned off (rw, suid, dev, ...)
	propagation []uintptr // MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (|MS_REC), applied after mounting
	attrSet     uint64    // MOUNT_ATTR_* set recursively with mount_setattr(2)
	attrClr     uint64    // MOUNT_ATTR_* cleared recursively
	data        []string  // filesystem-specific options, for mount(2) data
	tmpcopyup   bool
	idmap       bool // idmap or ridmap
	ridmap      bool // ridmap: the idmapping applies to every mount of an rbind
}

// bind reports whether the options ask for a bind mount.
func (o mountOptions) bind() bool { return o.flags&unix.MS_BIND != 0 }

// recursive reports whether the bind is recursive (rbind).
func (o mountOptions) recursive() bool { return o.flags&unix.MS_REC != 0 }

// dataString is the comma-joined data argument of mount(2).
func (o mountOptions) dataString() string { return strings.Join(o.data, ",") }

// hasRecAttr reports whether mount_setattr(2) must run.
func (o mountOptions) hasRecAttr() bool { return o.attrSet != 0 || o.attrClr != 0 }

// msFlag is a mount(8) option that sets (clear=false) or clears a flag.
type msFlag struct {
	clear bool
	flag  uintptr
}

// msFlags are runtime-spec's filesystem-independent options ([^1] in the
// config.md table) plus bind/rbind.
var msFlags = map[string]msFlag{
	"async":         {true, unix.MS_SYNCHRONOUS},
	"atime":         {true, unix.MS_NOATIME},
	"bind":          {false, unix.MS_BIND},
	"defaults":      {false, 0},
	"dev":           {true, unix.MS_NODEV},
	"diratime":      {true, unix.MS_NODIRATIME},
	"dirsync":       {false, unix.MS_DIRSYNC},
	"exec":          {true, unix.MS_NOEXEC},
	"iversion":      {false, unix.MS_I_VERSION},
	"lazytime":      {false, unix.MS_LAZYTIME},
	"loud":          {true, unix.MS_SILENT},
	"mand":          {false, unix.MS_MANDLOCK},
	"noatime":       {false, unix.MS_NOATIME},
	"nodev":         {false, unix.MS_NODEV},
	"nodiratime":    {false, unix.MS_NODIRATIME},
	"noexec":        {false, unix.MS_NOEXEC},
	"noiversion":    {true, unix.MS_I_VERSION},
	"nolazytime":    {true, unix.MS_LAZYTIME},
	"nomand":        {true, unix.MS_MANDLOCK},
	"norelatime":    {true, unix.MS_RELATIME},
	"nostrictatime": {true, unix.MS_STRICTATIME},
	"nosuid":        {false, unix.MS_NOSUID},
	"nosymfollow":   {false, unix.MS_NOSYMFOLLOW},
	"rbind":         {false, unix.MS_BIND | unix.MS_REC},
	"relatime":      {false, unix.MS_RELATIME},
	"remount":       {false, unix.MS_REMOUNT},
	"ro":            {false, unix.MS_RDONLY},
	"rw":            {true, unix.MS_RDONLY},
	"silent":        {false, unix.MS_SILENT},
	"strictatime":   {false, unix.MS_STRICTATIME},
	"suid":          {true, unix.MS_NOSUID},
	"symfollow":     {true, unix.MS_NOSYMFOLLOW},
	"sync":          {false, unix.MS_SYNCHRONOUS},
}

// propagationFlags maps the propagation options (and linux.rootfsPropagation
// values) to mount(2) flags.
var propagationFlags = map[string]uintptr{
	"private":     unix.MS_PRIVATE,
	"rprivate":    unix.MS_PRIVATE | unix.MS_REC,
	"shared":      unix.MS_SHARED,
	"rshared":     unix.MS_SHARED | unix.MS_REC,
	"slave":       unix.MS_SLAVE,
	"rslave":      unix.MS_SLAVE | unix.MS_REC,
	"unbindable":  unix.MS_UNBINDABLE,
	"runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

// recAttr is a recursive option applied with mount_setattr(AT_RECURSIVE).
type recAttr struct {
	set, clr uint64
}

// recAttrs are the recursive ([^3]) options of the config.md table.
var recAttrs = map[string]recAttr{
	"rro":            {set: unix.MOUNT_ATTR_RDONLY},
	"rrw":            {clr: unix.MOUNT_ATTR_RDONLY},
	"rnosuid":        {set: unix.MOUNT_ATTR_NOSUID},
	"rsuid":          {clr: unix.MOUNT_ATTR_NOSUID},
	"rnodev":         {set: unix.MOUNT_ATTR_NODEV},
	"rdev":           {clr: unix.MOUNT_ATTR_NODEV},
	"rnoexec":        {set: unix.MOUNT_ATTR_NOEXEC},
	"rexec":          {clr: unix.MOUNT_ATTR_NOEXEC},
	"rnodiratime":    {set: unix.MOUNT_ATTR_NODIRATIME},
	"rdiratime":      {clr: unix.MOUNT_ATTR_NODIRATIME},
	"rnosymfollow":   {set: unix.MOUNT_ATTR_NOSYMFOLLOW},
	"rsymfollow":     {clr: unix.MOUNT_ATTR_NOSYMFOLLOW},
	"rrelatime":      {set: unix.MOUNT_ATTR_RELATIME, clr: unix.MOUNT_ATTR__ATIME},
	"rnoatime":       {set: unix.MOUNT_ATTR_NOATIME, clr: unix.MOUNT_ATTR__ATIME},
	"rstrictatime":   {set: unix.MOUNT_ATTR_STRICTATIME, clr: unix.MOUNT_ATTR__ATIME},
	"ratime":         {set: unix.MOUNT_ATTR_RELATIME, clr: unix.MOUNT_ATTR__ATIME},    // "not noatime": the kernel default
	"rnostrictatime": {set: unix.MOUNT_ATTR_RELATIME, clr: unix.MOUNT_ATTR__ATIME},    // "not strictatime": the kernel default
	"rnorelatime":    {set: unix.MOUNT_ATTR_STRICTATIME, clr: unix.MOUNT_ATTR__ATIME}, // "not relatime": update always
}

// parseMountOptions turns runtime-spec mount options into mount(2) flags,
// propagation changes, recursive attributes and data. Later options win over
// earlier ones; unknown options go to data unchanged, as config.md asks.
func parseMountOptions(options []string) mountOptions {
	var o mountOptions
	for _, opt := range options {
		if f, ok := msFlags[opt]; ok {
			if f.clear {
				o.flags &^= f.flag
				o.cleared |= f.flag
			} else {
				o.flags |= f.flag
				o.cleared &^= f.flag
			}
			continue
		}
		if p, ok := propagationFlags[opt]; ok {
			o.propagation = append(o.propagation, p)
			continue
		}
		if a, ok := recAttrs[opt]; ok {
			o.attrClr |= a.clr
			o.attrSet &^= a.clr
			o.attrClr &^= a.set
			o.attrSet |= a.set
			if a.clr&unix.MOUNT_ATTR__ATIME != 0 {
				o.attrClr |= unix.MOUNT_ATTR__ATIME
			}
			continue
		}
		switch opt {
		case "tmpcopyup":
			o.tmpcopyup = true
		case "idmap":
			o.idmap = true
		case "ridmap":
			o.idmap, o.ridmap = true, true
		default:
			o.data = append(o.data, opt)
		}
	}
	return o
}

// remountFlags are the per-mount flags a bind remount can change.
const remountFlags = unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC |
	unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME | unix.MS_STRICTATIME | unix.MS_NOSYMFOLLOW

// atimeFlags are the mutually exclusive access-time flags.
const atimeFlags = unix.MS_NOATIME | unix.MS_RELATIME | unix.MS_STRICTATIME

// statfsToMountFlags converts the statfs(2) f_flags of a mount to the MS_*
// flags that are locked on it in a user namespace (mount_namespaces(7)).
// Explicitly cleared flags are left out, and the atime flags only count
// when the caller asked for none of its own.
func statfsToMountFlags(stFlags int64, wanted, cleared uintptr) uintptr {
	pairs := []struct {
		st int64
		ms uintptr
	}{
		{unix.ST_RDONLY, unix.MS_RDONLY},
		{unix.ST_NOSUID, unix.MS_NOSUID},
		{unix.ST_NODEV, unix.MS_NODEV},
		{unix.ST_NOEXEC, unix.MS_NOEXEC},
		{unix.ST_NOATIME, unix.MS_NOATIME},
		{unix.ST_NODIRATIME, unix.MS_NODIRATIME},
		{unix.ST_RELATIME, unix.MS_RELATIME},
		{stNoSymfollow, unix.MS_NOSYMFOLLOW},
	}
	var out uintptr
	for _, p := range pairs {
		if stFlags&p.st == 0 || cleared&p.ms != 0 {
			continue
		}
		if p.ms&atimeFlags != 0 && wanted&atimeFlags != 0 {
			continue
		}
		out |= p.ms
	}
	return out
}

// rootPropagation maps linux.rootfsPropagation to the flags used before the
// mounts (so nothing leaks back to the host: always at least rslave) and the
// flags applied to the new "/" after pivot_root (0 = nothing to do).
func rootPropagation(value string) (before, after uintptr, ok bool) {
	if value == "" {
		return unix.MS_SLAVE | unix.MS_REC, 0, true
	}
	p, ok := propagationFlags[value]
	if !ok {
		return 0, 0, false
	}
	if p&unix.MS_PRIVATE != 0 {
		return unix.MS_PRIVATE | unix.MS_REC, p, true
	}
	return unix.MS_SLAVE | unix.MS_REC, p, true
}

// stNoSymfollow is ST_NOSYMFOLLOW of statfs(2) (linux/statfs.h), missing
// from x/sys/unix.
const stNoSymfollow = 0x2000

// KnownMountOptions lists the mount options PrepareRootfs recognises (for
// `servin-run features`, mountOptions), sorted. idmap and ridmap need
// kernel support besides (features' mountExtensions.idmap says whether
// this host has it).
func KnownMountOptions() []string {
	var out []string
	for o := range msFlags {
		out = append(out, o)
	}
	for o := range propagationFlags {
		out = append(out, o)
	}
	for o := range recAttrs {
		out = append(out, o)
	}
	out = append(out, "tmpcopyup", "idmap", "ridmap")
	slices.Sort(out)
	return out
}
