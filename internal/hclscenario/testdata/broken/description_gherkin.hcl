user "alice" {}
user "bob" {}
scenario "description that Gherkin would read as steps" {
  description = <<-EOT
    This scenario explains itself.
    Given a line like this one, Gherkin sees a step.
  EOT
  tags = ["ok", "not ok"]
  user "carol" {}
}
