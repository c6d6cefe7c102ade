package snapshot

import (
	"fmt"
	"strings"
)

// overlayPlan is the overlay mount Mount makes, kept apart from the
// syscalls so it can be tested without root.
type overlayPlan struct {
	lowers    []string // top-most first, as overlayfs wants them
	upper     string
	work      string
	readonly  bool
	userxattr bool // unprivileged: opaque markers are user.overlay.* xattrs
	bindLower bool // a single read-only lower: a read-only bind mount instead
}

func newOverlayPlan(lowers []string, upper, work string, readonly bool) (*overlayPlan, error) {
	if len(lowers) == 0 {
		return nil, ErrNoLayers
	}
	if !readonly && (upper == "" || work == "") {
		return nil, fmt.Errorf("overlay mount: a writable mount needs an upper and a work directory")
	}
	p := &overlayPlan{readonly: readonly}
	for i := len(lowers) - 1; i >= 0; i-- {
		if strings.ContainsAny(lowers[i], ":,\n") {
			return nil, fmt.Errorf("overlay mount: lower directory %q has a ':' or ','", lowers[i])
		}
		p.lowers = append(p.lowers, lowers[i])
	}
	if !readonly {
		p.upper, p.work = upper, work
	}
	// overlayfs needs two lowers when there is no upper directory.
	p.bindLower = readonly && len(lowers) == 1
	return p, nil
}

// data is the mount(2) option string for the given lower names.
func (p *overlayPlan) data(lowers []string) string {
	var b strings.Builder
	b.WriteString("lowerdir=")
	b.WriteString(strings.Join(lowers, ":"))
	if p.upper != "" {
		b.WriteString(",upperdir=" + p.upper + ",workdir=" + p.work)
	}
	// index=off lets one lower be shared by many mounts with different
	// uppers, as containerd's and Docker's overlay drivers do.
	b.WriteString(",index=off")
	if p.userxattr {
		b.WriteString(",userxattr")
	}
	return b.String()
}
