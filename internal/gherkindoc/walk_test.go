package gherkindoc

import (
	"strings"
	"testing"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"
)

const feature = `Feature: f
  Background:
    Given b1

  Scenario: s1
    Given x1

  Rule: r
    Background:
      Given b2

    Scenario Outline: s2
      Given <v>

      Examples:
        | v  |
        | x2 |

  Scenario: s3
    Given x3
`

func TestWalkSeesRules(t *testing.T) {
	doc, err := gherkin.ParseGherkinDocument(strings.NewReader(feature), (&messages.Incrementing{}).NewId)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	Walk(doc.Feature, func(st []*messages.Step) {
		for _, s := range st {
			seen = append(seen, "step "+s.Text)
		}
	}, func(sc *messages.Scenario) {
		seen = append(seen, "scenario "+sc.Name)
	})
	want := "step b1,scenario s1,step b2,scenario s2,scenario s3"
	if got := strings.Join(seen, ","); got != want {
		t.Fatalf("walked %s, want %s", got, want)
	}
	Walk(nil, nil, nil) // an empty file
	Walk(doc.Feature, nil, func(*messages.Scenario) {})
}
