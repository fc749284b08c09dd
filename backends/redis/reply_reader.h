// hiredis's reply parser with each reply object in one allocation: a string
// reply with its bytes, an array reply with its element pointers (hiredis's
// own object functions make two allocations of each, and a get's reply is an
// array of three strings). Replies from this reader are freed with
// FreeReply, never freeReplyObject.
#pragma once

#include "hiredis/hiredis.h"

namespace memgate::backends::redis {

// Free with redisReaderFree.
redisReader* CreateReplyReader();

// Frees a reply from CreateReplyReader's reader and every element under it.
void FreeReply(redisReply* reply);

}  // namespace memgate::backends::redis
