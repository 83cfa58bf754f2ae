package inspect

import (
	"strings"
	"testing"
)

func TestFilter(t *testing.T) {
	var all []RetryState
	for _, p := range Phases() {
		all = append(all, RetryState{Name: string(p), Phase: p})
	}
	names := func(states []RetryState) string {
		var n []string
		for _, s := range states {
			n = append(n, s.Name)
		}
		return strings.Join(n, ",")
	}
	cases := []struct {
		phases  []string
		failing bool
		want    string
	}{
		{nil, false, "stalled,retrying,remediating,failed,waiting,progressing,pending,suspended,deleting,ready"},
		{nil, true, "stalled,retrying,remediating,failed,waiting,pending,deleting"},
		{[]string{"retrying,stalled"}, false, "stalled,retrying"},
		{[]string{"Ready", " suspended "}, false, "suspended,ready"},
		{[]string{"suspended"}, true, "stalled,retrying,remediating,failed,waiting,pending,suspended,deleting"},
	}
	for _, tc := range cases {
		f, err := NewFilter(tc.phases, tc.failing)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(f.Apply(all)); got != tc.want {
			t.Errorf("phases %v failing %v: got %s, want %s", tc.phases, tc.failing, got, tc.want)
		}
	}
	if _, err := NewFilter([]string{"retrying,broken"}, false); err == nil || !strings.Contains(err.Error(), `"broken"`) {
		t.Errorf("an unknown phase must be rejected by name, got %v", err)
	}
}
