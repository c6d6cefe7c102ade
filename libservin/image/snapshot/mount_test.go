package snapshot

import (
	"errors"
	"reflect"
	"testing"
)

func TestOverlayPlan(t *testing.T) {
	tests := []struct {
		name     string
		lowers   []string
		upper    string
		readonly bool
		want     *overlayPlan
		data     string
		wantErr  bool
	}{
		{name: "rw", lowers: []string{"/l/1", "/l/2"}, upper: "/u", readonly: false,
			want: &overlayPlan{lowers: []string{"/l/2", "/l/1"}, upper: "/u", work: "/w"},
			data: "lowerdir=/l/2:/l/1,upperdir=/u,workdir=/w,index=off"},
		{name: "ro", lowers: []string{"/l/1", "/l/2", "/l/3"}, upper: "/u", readonly: true,
			want: &overlayPlan{lowers: []string{"/l/3", "/l/2", "/l/1"}, readonly: true},
			data: "lowerdir=/l/3:/l/2:/l/1,index=off"},
		{name: "ro single lower is a bind", lowers: []string{"/l/1"}, readonly: true,
			want: &overlayPlan{lowers: []string{"/l/1"}, readonly: true, bindLower: true},
			data: "lowerdir=/l/1,index=off"},
		{name: "rw single lower", lowers: []string{"/l/1"}, upper: "/u",
			want: &overlayPlan{lowers: []string{"/l/1"}, upper: "/u", work: "/w"},
			data: "lowerdir=/l/1,upperdir=/u,workdir=/w,index=off"},
		{name: "no lowers", wantErr: true},
		{name: "rw without upper", lowers: []string{"/l/1"}, wantErr: true},
		{name: "colon in path", lowers: []string{"/l:1", "/l/2"}, readonly: true, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			work := ""
			if tc.upper != "" {
				work = "/w"
			}
			p, err := newOverlayPlan(tc.lowers, tc.upper, work, tc.readonly)
			if tc.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(p, tc.want) {
				t.Errorf("plan = %+v, want %+v", p, tc.want)
			}
			if got := p.data(p.lowers); got != tc.data {
				t.Errorf("data = %q, want %q", got, tc.data)
			}
		})
	}
	if _, err := newOverlayPlan(nil, "", "", true); !errors.Is(err, ErrNoLayers) {
		t.Errorf("no lowers: %v, want ErrNoLayers", err)
	}
}
