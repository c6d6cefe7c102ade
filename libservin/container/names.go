package container

import (
	"fmt"
	"math/rand/v2"
)

var (
	adjectives = []string{"brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "keen", "lucid", "merry",
		"nifty", "proud", "quiet", "sharp", "tender", "upbeat", "vivid", "witty", "zealous", "bold"}
	nouns = []string{"hopper", "lovelace", "turing", "curie", "noether", "ritchie", "thompson", "knuth", "liskov",
		"hamilton", "dijkstra", "pike", "kernighan", "torvalds", "babbage", "shannon", "tesla", "euler", "gauss", "wing"}
)

// generateName returns a docker-style adjective_noun name not in taken.
func generateName(taken map[string]bool) string {
	for i := 0; ; i++ {
		n := adjectives[rand.IntN(len(adjectives))] + "_" + nouns[rand.IntN(len(nouns))]
		if i > 20 {
			n = fmt.Sprintf("%s%d", n, rand.IntN(1000))
		}
		if !taken[n] {
			return n
		}
	}
}
