{
  "targets": [
    {
      "target_name": "carp_native",
      "sources": [
        "native/addon.cc",
        "native/args.cc",
        "native/datagram.cc",
        "native/errors.cc",
        "native/frame_io.cc",
        "native/ip_socket.cc",
        "native/packet_socket.cc",
        "native/poller.cc",
        "native/tap.cc",
        "native/unix_socket.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Werror"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"]
    }
  ]
}
