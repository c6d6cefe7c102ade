package unpack

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
)

// execUser is the resolved process user of an image.
type execUser struct {
	uid, gid uint32
	groups   []uint32
	home     string
}

type passwdEntry struct {
	name     string
	uid, gid uint32
	home     string
}

type groupEntry struct {
	name    string
	gid     uint32
	members []string
}

// resolveUser resolves an image config User ("", "user", "uid",
// "user:group", "uid:gid", mixed) through rootfs's /etc/passwd and
// /etc/group as image-spec conversion.md describes: numeric values are
// taken verbatim, names must exist, and supplementary groups are only
// computed for a named user without a group.
func resolveUser(rootfs, spec string) (*execUser, error) {
	u := &execUser{}
	if spec == "" {
		return u, nil
	}
	userPart, groupPart, hasGroup := strings.Cut(spec, ":")
	uid, uidNumeric := parseID(userPart)
	var pw *passwdEntry
	if !uidNumeric || !hasGroup {
		entries, err := readPasswd(rootfs)
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		for i := range entries {
			if (uidNumeric && entries[i].uid == uid) || (!uidNumeric && entries[i].name == userPart) {
				pw = &entries[i]
				break
			}
		}
		if pw == nil && !uidNumeric {
			return nil, fmt.Errorf("%w: %q is not in /etc/passwd", ErrUserNotFound, userPart)
		}
	}
	u.uid = uid
	if pw != nil {
		u.uid, u.gid, u.home = pw.uid, pw.gid, pw.home
	}
	if hasGroup {
		gid, err := resolveGroup(rootfs, groupPart)
		if err != nil {
			return nil, err
		}
		u.gid = gid
		return u, nil
	}
	if uidNumeric || pw == nil {
		return u, nil
	}
	groups, err := readGroup(rootfs)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	for _, g := range groups {
		for _, m := range g.members {
			if m == pw.name && !containsID(u.groups, g.gid) {
				u.groups = append(u.groups, g.gid)
			}
		}
	}
	return u, nil
}

func resolveGroup(rootfs, name string) (uint32, error) {
	if gid, ok := parseID(name); ok {
		return gid, nil
	}
	groups, err := readGroup(rootfs)
	if err != nil {
		if os.IsNotExist(err) {
			return 0, fmt.Errorf("%w: group %q: no /etc/group", ErrUserNotFound, name)
		}
		return 0, err
	}
	for _, g := range groups {
		if g.name == name {
			return g.gid, nil
		}
	}
	return 0, fmt.Errorf("%w: group %q is not in /etc/group", ErrUserNotFound, name)
}

func containsID(ids []uint32, id uint32) bool {
	for _, v := range ids {
		if v == id {
			return true
		}
	}
	return false
}

func parseID(s string) (uint32, bool) {
	n, err := strconv.ParseUint(s, 10, 32)
	return uint32(n), err == nil
}

func readPasswd(rootfs string) ([]passwdEntry, error) {
	var out []passwdEntry
	err := readColonFile(rootfs, "/etc/passwd", func(f []string) {
		if len(f) < 4 {
			return
		}
		uid, ok1 := parseID(f[2])
		gid, ok2 := parseID(f[3])
		if !ok1 || !ok2 {
			return
		}
		e := passwdEntry{name: f[0], uid: uid, gid: gid}
		if len(f) > 5 {
			e.home = f[5]
		}
		out = append(out, e)
	})
	return out, err
}

func readGroup(rootfs string) ([]groupEntry, error) {
	var out []groupEntry
	err := readColonFile(rootfs, "/etc/group", func(f []string) {
		if len(f) < 3 {
			return
		}
		gid, ok := parseID(f[2])
		if !ok {
			return
		}
		e := groupEntry{name: f[0], gid: gid}
		if len(f) > 3 && f[3] != "" {
			e.members = strings.Split(f[3], ",")
		}
		out = append(out, e)
	})
	return out, err
}

// readColonFile reads a file of the rootfs, resolving its path inside the
// rootfs (a symlinked /etc/passwd never reads a host file), and calls fn
// with the fields of each non-comment line.
func readColonFile(rootfs, name string, fn func([]string)) error {
	if rootfs == "" {
		return &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist} // no rootfs to look in
	}
	p, err := securejoin.SecureJoin(rootfs, name)
	if err != nil {
		return fmt.Errorf("resolve %s in %s: %w", name, rootfs, err)
	}
	f, err := openNoFollow(p)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, 16<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		fn(strings.Split(line, ":"))
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	return nil
}
