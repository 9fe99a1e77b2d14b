# tw-token from the shell, as a backend operator runs it: keygen, make (with
# --flag=VALUE and a hex protocol id), room, inspect; and bad usage, which
# must exit 2 with one line naming the flag. Run with -DTW_TOKEN=... -DDIR=...
file(REMOVE_RECURSE ${DIR})
file(MAKE_DIRECTORY ${DIR})

function(run expect_code)
  execute_process(COMMAND ${TW_TOKEN} ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT code EQUAL expect_code)
    message(FATAL_ERROR "tw-token ${ARGN}: exit ${code}, expected ${expect_code}\n${out}${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
  set(err "${err}" PARENT_SCOPE)
endfunction()

function(expect text haystack what)
  string(FIND "${haystack}" "${text}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${what}: expected '${text}' in:\n${haystack}")
  endif()
endfunction()

run(0 keygen --out ${DIR}/game.key)
run(0 make --key=${DIR}/game.key --client-id 7 --server 127.0.0.1:27015
    --protocol-id 0x6172656e61303031 --timeout 30 --out ${DIR}/p.token)
run(0 inspect ${DIR}/p.token)
expect("protocol id  0x6172656e61303031" "${out}" "inspect")
expect("server       127.0.0.1:27015" "${out}" "inspect")
expect("timeout      30 s" "${out}" "inspect")
run(0 room --code q8vr3kx9m2tw --server 127.0.0.1:27015 --out ${DIR}/r.token)
run(0 room --code q8vr3kx9m2tw --server 127.0.0.1:27015 --game arena --out ${DIR}/ra.token)
run(0 inspect ${DIR}/ra.token)
expect("protocol id  0x6172656e61303031" "${out}" "room --game arena")
run(2 room --code q8vr3kx9m2tw --server 127.0.0.1:27015 --game doom)
expect("--game" "${err}" "unknown game")

# The room token works with an arena server of that code, as --help says:
# a headless bot joins with it (--token) and plays 2 s (exit 0); the
# default protocol id's token is refused as another game's (exit 1).
if(ARENA)
  string(RANDOM LENGTH 4 ALPHABET 0123456789 port_offset)
  math(EXPR port "20000 + ${port_offset}")
  run(0 room --code q8vr3kx9m2tw --server 127.0.0.1:${port} --game arena --out ${DIR}/live.token)
  run(0 room --code q8vr3kx9m2tw --server 127.0.0.1:${port} --out ${DIR}/other.token)
  foreach(case "live.token;0" "other.token;1")
    list(GET case 0 token)
    list(GET case 1 expected)
    execute_process(
      COMMAND ${ARENA} --server --port ${port} --code q8vr3kx9m2tw --duration 5
      COMMAND ${ARENA} --connect 127.0.0.1:${port} --token ${DIR}/${token} --bot --headless
              --duration 2
      RESULTS_VARIABLE statuses OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 30)
    list(GET statuses 1 client_status)
    if(NOT client_status EQUAL expected)
      message(FATAL_ERROR "arena --token ${token}: exit ${client_status}, expected ${expected}\n"
                          "${err}")
    endif()
  endforeach()
  expect("is for another game" "${err}" "a tickwire-id token at an arena server")
  expect("--game arena" "${err}" "a tickwire-id token at an arena server")
endif()
run(0 --help)
expect("keygen" "${out}" "--help")

run(2 make --key ${DIR}/game.key --client-id 7 --server 127.0.0.1:27015 --timeout 601)
expect("tw-token: make: --timeout: expected 1..600, got '601'" "${err}" "bad --timeout")
run(2 make --bogus)
expect("tw-token: make: unknown option '--bogus'" "${err}" "unknown option")
run(2 make --key)
expect("tw-token: make: --key needs a value" "${err}" "missing value")
run(2 room --key ${DIR}/game.key --server 127.0.0.1:27015)
expect("unknown option '--key'" "${err}" "room takes no --key")
run(2 inspect)
run(2 frobnicate)
expect("unknown command 'frobnicate'" "${err}" "unknown command")
run(1 room --code abcdefgh --server 127.0.0.1:27015)
expect("too easy to guess" "${err}" "weak room code")
