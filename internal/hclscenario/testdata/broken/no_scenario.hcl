user "alice" {}
