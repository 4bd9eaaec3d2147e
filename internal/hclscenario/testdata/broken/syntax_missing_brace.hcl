scenario "broken" {
  user "alice" {}
