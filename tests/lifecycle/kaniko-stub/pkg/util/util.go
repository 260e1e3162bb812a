// Package util keeps the ignore list the lifecycle adds to.
package util

// IgnoreListEntry is one path kaniko would not snapshot.
type IgnoreListEntry struct {
	Path            string
	PrefixMatchOnly bool
}

var defaultIgnoreList []IgnoreListEntry

// AddToDefaultIgnoreList records an entry.
func AddToDefaultIgnoreList(entry IgnoreListEntry) {
	defaultIgnoreList = append(defaultIgnoreList, entry)
}
