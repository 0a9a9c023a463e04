// atmsigd-kernel: an emulated kernel for the demon's unix-socket mode. Plays
// the kernel side of the internal signaling protocol from a script and
// checks every frame the demon sends. Exit status 0 if every step passed.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>

#include "atmsigd/kernel_emu/script.hpp"

int main(int argc, char** argv) {
  using namespace atmsigd::kemu;
  CLI::App app{"atmsigd-kernel - emulated kernel side for atmsigd's unix-socket mode"};
  std::string socket_path, script_file;
  std::vector<std::string> commands;
  int timeout_ms = 2000, wait_ms = 5000;
  app.add_option("-s,--socket", socket_path, "the demon's unix socket")->required();
  app.add_option("-f,--script", script_file, "script file (one command per line)");
  app.add_option("-e,--exec", commands, "a script command (repeatable)");
  app.add_option("--timeout", timeout_ms, "default time limit of an expect, in ms");
  app.add_option("--wait-socket", wait_ms, "how long to wait for the demon's socket, in ms");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> lines;
  if (!script_file.empty()) {
    std::ifstream in(script_file);
    if (!in) {
      std::cerr << "atmsigd-kernel: cannot read " << script_file << "\n";
      return 2;
    }
    for (std::string l; std::getline(in, l);) lines.push_back(l);
  }
  lines.insert(lines.end(), commands.begin(), commands.end());
  if (!wait_for_socket(socket_path, std::chrono::milliseconds(wait_ms))) {
    std::cerr << "atmsigd-kernel: no demon socket at " << socket_path << "\n";
    return 1;
  }
  UnixClient client;
  std::string err;
  if (!client.open(socket_path, err)) {
    std::cerr << "atmsigd-kernel: " << err << "\n";
    return 1;
  }
  ScriptRunner runner(client, std::cout);
  runner.default_timeout = std::chrono::milliseconds(timeout_ms);
  runner.run_lines(lines);
  const auto failed = runner.failures();
  std::cout << (failed == 0 ? "all steps passed" : std::to_string(failed) + " step(s) failed")
            << "\n";
  return failed == 0 ? 0 : 1;
}
