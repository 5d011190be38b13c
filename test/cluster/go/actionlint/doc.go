// Package actionlint pins the GitHub Actions workflow linter a test runs on .github/workflows/.
// Nothing here is compiled into Orkestra.
package actionlint
