# Callbacks DAT of the OSC In DAT (Network Port 7502): hands every Cadenza reply to the `cadenza`
# Text DAT. TouchDesigner calls this once per message when "Split Bundles into Messages" is on.

def onReceiveOSC(dat, rowIndex, message, byteData, timeStamp, address, args, peer):
    op('cadenza').module.on_osc(address, args)
    return
