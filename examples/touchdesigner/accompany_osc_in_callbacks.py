# Callbacks DAT of the OSC In DAT that listens for accompany replies (Network Port 7503): hands
# every Cadenza reply to the `accompany` Text DAT.

def onReceiveOSC(dat, rowIndex, message, byteData, timeStamp, address, args, peer):
    op('accompany').module.on_osc(address, args)
    return
