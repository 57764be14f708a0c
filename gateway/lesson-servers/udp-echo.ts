// The UDP echo server: each datagram goes back to its sender as one datagram with the same bytes, so
// a student sees that UDP keeps message boundaries where TCP does not.

import type { UdpLesson } from './lesson.js';

export function udpEchoServer(): UdpLesson {
  return {
    name: 'udp-echo',
    description: 'Sends each datagram back to its sender, unchanged and as one datagram.',
    datagram: (bytes, peer) => peer.reply(bytes),
  };
}
